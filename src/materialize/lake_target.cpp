#include "materialize/lake_target.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"
#include "lake/table_lock.hpp"

namespace pond::materialize {

namespace {

bool is_duckdb_catalog(const std::string& catalog) {
  auto starts = [&](std::string_view p) { return catalog.rfind(p, 0) == 0; };
  if (starts("duckdb:") || starts("ducklake:")) return true;
  if (starts("sqlite:") || starts("postgres:") || starts("postgresql:")) return false;
  return catalog.ends_with(".ducklake") || catalog.ends_with(".duckdb");
}

}  // namespace

LakeTarget::LakeTarget(lake::LakeConfig config, std::string database)
    : config_(std::move(config)),
      database_(std::move(database)),
      shared_(is_duckdb_catalog(config_.catalog)) {
  config_.sql_catalog = database_;  // views stored without the project's database name
  // Opening creates the lake on first use and fails early on a bad catalog or data path.
  lake::Lake lake = lake::Lake::open(config_);
  config_.warn_moved_data = false;  // said once
  if (shared_) shared_lake_ = std::make_unique<lake::Lake>(std::move(lake));
}

LakeTarget::~LakeTarget() = default;

bool LakeTarget::holds(const Relation& rel) const {
  return rel.database.empty() || rel.database == database_;
}

std::string LakeTarget::lake_name(const Relation& rel) {
  return (rel.schema.empty() ? std::string("main") : rel.schema) + "." + rel.identifier;
}

void LakeTarget::with_lake(const std::function<void(lake::Lake&)>& fn) {
  if (shared_) {
    std::lock_guard lock(lake_mutex_);
    fn(*shared_lake_);
    return;
  }
  lake::Lake lake = lake::Lake::open(config_);
  fn(lake);
}

void LakeTarget::with_table(const std::string& name, const std::string& holder,
                            const std::function<void(lake::Lake&)>& fn) {
  with_lake([&](lake::Lake& lake) {
    lake::TableLock lock = lake::TableLock::acquire(lake, name, holder, lake.config().lock_timeout);
    fn(lake);
  });
}

std::int64_t LakeTarget::expose(engine::Connection& con) {
  std::int64_t snapshot = 0;
  with_lake([&](lake::Lake& lake) {
    snapshot = lake.attach(con, lake::SnapshotRef{}, database_);
    lake::SnapshotRef at{snapshot, std::nullopt};
    std::lock_guard lock(kinds_mutex_);
    kinds_.clear();
    for (const auto& t : lake.tables(at)) kinds_[{t.schema_name, t.name}] = LakeKind::kTable;
    for (const auto& v : lake.views(at)) kinds_[{v.schema_name, v.name}] = LakeKind::kView;
  });
  return snapshot;
}

void LakeTarget::load_kinds() {
  with_lake([&](lake::Lake& lake) {
    lake::SnapshotRef at{lake.latest_snapshot().id, std::nullopt};
    std::lock_guard lock(kinds_mutex_);
    kinds_.clear();
    for (const auto& t : lake.tables(at)) kinds_[{t.schema_name, t.name}] = LakeKind::kTable;
    for (const auto& v : lake.views(at)) kinds_[{v.schema_name, v.name}] = LakeKind::kView;
  });
}

std::optional<LakeKind> LakeTarget::kind(const std::string& schema, const std::string& identifier) const {
  std::lock_guard lock(kinds_mutex_);
  auto it = kinds_.find({schema, identifier});
  if (it == kinds_.end()) return std::nullopt;
  return it->second;
}

void LakeTarget::remember(const std::string& schema, const std::string& identifier,
                          std::optional<LakeKind> kind) {
  std::lock_guard lock(kinds_mutex_);
  if (kind)
    kinds_[{schema, identifier}] = *kind;
  else
    kinds_.erase({schema, identifier});
}

void LakeTarget::create_schema(engine::Connection& con, const Relation& in_db) {
  std::lock_guard lock(schema_mutex_);
  con.execute("CREATE SCHEMA IF NOT EXISTS " + in_db.render_schema());
}

void LakeTarget::show_table(engine::Connection& con, lake::Lake& lake, const Relation& rel,
                            std::int64_t snapshot) {
  Relation in_db{database_, rel.schema, rel.identifier};
  lake::ScanPlan plan = lake.scan(lake_name(rel), lake::SnapshotRef{snapshot, std::nullopt});
  create_schema(con, in_db);
  con.execute("CREATE OR REPLACE VIEW " + in_db.render() + " AS " + plan.sql);
  remember(rel.schema, rel.identifier, LakeKind::kTable);
}

void LakeTarget::show_view(engine::Connection& con, const Relation& rel, const std::string& sql) {
  Relation in_db{database_, rel.schema, rel.identifier};
  create_schema(con, in_db);
  con.execute("CREATE OR REPLACE VIEW " + in_db.render() + " AS " + sql);
  remember(rel.schema, rel.identifier, LakeKind::kView);
}

bool LakeTarget::drop(engine::Connection& con, const Relation& rel, const std::string& holder) {
  std::optional<LakeKind> kind = this->kind(rel.schema.empty() ? "main" : rel.schema, rel.identifier);
  if (!kind) return false;
  const std::string name = lake_name(rel);
  with_table(name, holder, [&](lake::Lake& lake) {
    if (*kind == LakeKind::kTable)
      lake.drop_table(name, true);
    else
      lake.drop_view(name, true);
  });
  Relation in_db{database_, rel.schema, rel.identifier};
  con.execute("DROP VIEW IF EXISTS " + in_db.render());
  remember(rel.schema.empty() ? "main" : rel.schema, rel.identifier, std::nullopt);
  return true;
}

void prepare_memory_database(engine::Database& db, const std::string& database) {
  if (database.empty() || database == "memory") return;
  {
    engine::Connection con(db);
    con.execute("ATTACH ':memory:' AS " + quote_identifier(database));
  }
  db.set_connection_init("USE " + quote_identifier(database));
}

}  // namespace pond::materialize
