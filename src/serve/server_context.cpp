#include "serve/server_context.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/scope_guard.hpp"
#include "common/text.hpp"
#include "lake/view_sql.hpp"
#include "serve/catalog_compat.hpp"
#include "serve/sql_error.hpp"

namespace pond::serve {

// A project that has not written its lake yet is served as an empty lake (created here, as the
// first writer would): clients connect at once and see the tables of the first run.
LakeViews::LakeViews(engine::Database& db, const lake::LakeConfig& config)
    : lake_(lake::Lake::open(config, true)), con_(db) {}

std::int64_t LakeViews::refresh() {
  std::lock_guard lock(mu_);
  std::int64_t latest = lake_.latest_snapshot().id;
  if (latest == snapshot_) return snapshot_;
  lake::SnapshotRef ref;
  ref.version = latest;
  con_.execute("BEGIN");
  {
    OnFailure rollback([this] { con_.execute("ROLLBACK"); });
    lake_.attach(con_, ref);
    std::vector<std::pair<std::string, std::string>> tables;
    auto objects = std::make_shared<LakeObjects>();
    for (const auto& t : lake_.tables(ref)) {
      tables.emplace_back(t.schema_name, t.name);
      objects->tables.insert({lower(t.schema_name), lower(t.name)});
    }
    for (const auto& v : lake_.views(ref)) {
      LakeObjects::View view;
      // Another dialect's view stays unreadable to roles (its body is not DuckDB SQL).
      view.sql = v.dialect == "duckdb"
                     ? lake::resolve_view_sql(v.sql, "")
                     : "SELECT error(" +
                           quote_literal("lake view " + v.name + " is in SQL dialect " + v.dialect) + ")";
      if (v.column_aliases) view.aliases = lake::parse_column_aliases(*v.column_aliases);
      objects->views[{lower(v.schema_name), lower(v.name)}] = std::move(view);
    }
    record_lake_tables(con_, tables);
    record_role_grants(con_, *policies_, *objects);
    con_.execute("COMMIT");
    objects_ = std::move(objects);
  }
  snapshot_ = latest;
  return snapshot_;
}

std::pair<std::string, std::int64_t> LakeViews::pinned_catalog(const lake::SnapshotRef& ref) {
  std::lock_guard lock(mu_);
  std::int64_t snapshot = 0;
  try {
    snapshot = lake_.resolve(ref);
  } catch (const UserError& e) {
    throw SqlError("22023", e.what());
  }
  std::string catalog = "pond_snapshot_" + std::to_string(snapshot);
  if (pinned_.count(snapshot)) return {catalog, snapshot};
  if (pinned_.size() >= kMaxPinnedSnapshots)
    throw SqlError("53400", fmt::format("pond serve keeps at most {} pinned snapshots until it restarts",
                                        kMaxPinnedSnapshots));
  con_.execute("ATTACH ':memory:' AS " + catalog);
  {
    OnFailure detach([&] { con_.execute("DETACH " + catalog); });
    lake::SnapshotRef at;
    at.version = snapshot;
    lake_.attach(con_, at, catalog);
  }
  pinned_.insert(snapshot);
  return {catalog, snapshot};
}

std::shared_ptr<const LakeObjects> LakeViews::objects() {
  std::lock_guard lock(mu_);
  return objects_;
}

std::shared_ptr<const Policies> LakeViews::policies() {
  std::lock_guard lock(mu_);
  return policies_;
}

void LakeViews::set_policies(std::shared_ptr<const Policies> policies) {
  std::lock_guard lock(mu_);
  policies_ = std::move(policies);
  con_.execute("BEGIN");
  OnFailure rollback([this] { con_.execute("ROLLBACK"); });
  record_role_grants(con_, *policies_, *objects_);
  con_.execute("COMMIT");
}

void restrict_file_access(engine::Connection& con, const std::string& data_root,
                          const std::string& export_folder) {
  std::string allowed = quote_literal(data_root);
  if (!export_folder.empty()) allowed += ", " + quote_literal(export_folder + "/");
  con.execute("SET allowed_directories = [" + allowed + "]");
  con.execute("SET enable_external_access = false");
}

void CancelRegistry::add(std::int32_t pid, std::int32_t secret, engine::Connection* con) {
  std::lock_guard lock(mu_);
  sessions_[pid] = {secret, con};
}
void CancelRegistry::remove(std::int32_t pid) {
  std::lock_guard lock(mu_);
  sessions_.erase(pid);
}
bool CancelRegistry::cancel(std::int32_t pid, std::int32_t secret) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(pid);
  if (it == sessions_.end() || it->second.secret != secret) return false;
  it->second.con->interrupt();
  return true;
}

}  // namespace pond::serve
