#include "serve/server_context.hpp"

#include "common/scope_guard.hpp"
#include "common/text.hpp"
#include "serve/catalog_compat.hpp"

namespace pond::serve {

LakeViews::LakeViews(engine::Database& db, const lake::LakeConfig& config)
    : lake_(lake::Lake::open(config, false)), con_(db) {}

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
    for (const auto& t : lake_.tables(ref)) tables.emplace_back(t.schema_name, t.name);
    record_lake_tables(con_, tables);
    con_.execute("COMMIT");
  }
  snapshot_ = latest;
  return snapshot_;
}

void restrict_file_access(engine::Connection& con, const std::string& data_root) {
  con.execute("SET allowed_directories = [" + quote_literal(data_root) + "]");
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
