#include "lake/lake.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "lake/catalog_schema.hpp"
#include "lake/sql_text.hpp"
#include "storage/file_system.hpp"

namespace pond::lake {

namespace fs = std::filesystem;

namespace {

// Splits "kind:rest" catalog specs; file-based catalogs get their path resolved.
struct CatalogSpec {
  std::string kind;  // sqlite | postgres | duckdb
  std::string target;
};

CatalogSpec parse_spec(const std::string& spec, const fs::path& base) {
  auto starts = [&](std::string_view p) { return spec.rfind(p, 0) == 0; };
  CatalogSpec out;
  if (starts("postgres:") || starts("postgresql:")) {
    out.kind = "postgres";
    out.target = spec.substr(spec.find(':') + 1);
    return out;
  }
  std::string path = spec;
  if (starts("sqlite:")) {
    out.kind = "sqlite";
    path = spec.substr(7);
  } else if (starts("duckdb:") || starts("ducklake:")) {
    out.kind = "duckdb";
    path = spec.substr(spec.find(':') + 1);
  } else {
    bool duck = path.size() > 9 && (path.ends_with(".ducklake") || path.ends_with(".duckdb"));
    out.kind = duck ? "duckdb" : "sqlite";
  }
  fs::path p(path);
  out.target = (p.is_absolute() || base.empty() ? p : (base / p)).lexically_normal().string();
  return out;
}

std::string with_slash(std::string s) {
  if (!s.empty() && s.back() != '/') s += '/';
  return s;
}

}  // namespace

Lake::Lake(Lake&&) noexcept = default;
Lake& Lake::operator=(Lake&&) noexcept = default;
Lake::~Lake() = default;

Lake Lake::open(const LakeConfig& config, bool create) {
  if (config.catalog.empty())
    throw UserError("the lake has no catalog", "set lake: {catalog: sqlite:lake.sqlite, data_path: lake/}");
  Lake lake;
  lake.config_ = config;
  CatalogSpec spec = parse_spec(config.catalog, config.base_dir);
  fs::path catalog_dir;
  if (spec.kind == "postgres") {
    lake.db_ = state::open_postgres(spec.target);
  } else {
    catalog_dir = fs::path(spec.target).parent_path();
    if (!create && !fs::exists(spec.target))
      throw UserError("lake catalog " + spec.target + " does not exist",
                      "write to the lake first to create it");
    if (create && !catalog_dir.empty()) fs::create_directories(catalog_dir);
    lake.db_ = spec.kind == "duckdb" ? open_duckdb_catalog(spec.target) : state::open_sqlite(spec.target);
  }
  CatalogDb& db = *lake.db_;
  // The data path: the configured one wins; otherwise the one the catalog stores, which is
  // relative to the catalog file's folder when it is not absolute.
  std::string configured;
  if (!config.data_path.empty()) {
    fs::path p(config.data_path);
    configured = with_slash(
        (p.is_absolute() || config.base_dir.empty() ? p : config.base_dir / p).lexically_normal().string());
  }
  if (!db.table_exists("ducklake_metadata")) {
    if (!create) throw UserError("catalog " + config.catalog + " holds no lake", "write to the lake first");
    if (configured.empty())
      throw UserError("a new lake needs a data path", "set data_path: in the lake configuration");
    std::string stored = configured;
    if (!catalog_dir.empty()) {
      fs::path rel = fs::path(configured).lexically_relative(fs::absolute(catalog_dir).lexically_normal());
      fs::path rel2 = fs::path(configured).lexically_relative(catalog_dir);
      const fs::path& r = fs::path(configured).is_absolute() ? rel : rel2;
      if (!r.empty() && r.string().rfind("..", 0) != 0) stored = with_slash(r.generic_string());
    }
    storage::LocalFileSystem(configured).check_writable("");
    initialize_catalog(db, stored);
  } else {
    check_catalog_version(db, config.catalog);
  }
  if (!configured.empty()) {
    lake.data_root_ = configured;
  } else {
    auto stored = CatalogReader(db).metadata("data_path");
    if (!stored || stored->empty())
      throw UserError("lake catalog " + config.catalog + " stores no data_path");
    fs::path p(*stored);
    lake.data_root_ = with_slash(
        (p.is_absolute() || catalog_dir.empty() ? p : catalog_dir / p).lexically_normal().string());
  }
  lake.files_ = std::make_unique<storage::LocalFileSystem>(lake.data_root_);
  return lake;
}

Snapshot Lake::latest_snapshot() {
  return reader().latest_snapshot();
}
std::vector<Snapshot> Lake::snapshots() {
  return reader().snapshots();
}

std::int64_t Lake::resolve(const SnapshotRef& ref) {
  CatalogReader r = reader();
  if (ref.version) return r.snapshot(*ref.version).id;
  if (ref.timestamp) return r.snapshot_at_time(*ref.timestamp).id;
  return r.latest_snapshot().id;
}

std::vector<Table> Lake::tables(const SnapshotRef& ref) {
  CatalogTransaction tx(*db_, false);
  return reader().tables(resolve(ref));
}

std::vector<View> Lake::views(const SnapshotRef& ref) {
  CatalogTransaction tx(*db_, false);
  return reader().views(resolve(ref));
}

std::pair<std::string, std::string> Lake::split_name(const std::string& name) const {
  auto dot = name.find('.');
  if (dot == std::string::npos) return {"main", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

Table Lake::table(const std::string& name, const SnapshotRef& ref) {
  auto [schema, table_name] = split_name(name);
  std::int64_t snap = resolve(ref);
  auto t = reader().find_table(snap, schema, table_name);
  if (!t) {
    std::string hint;
    for (const auto& other : reader().tables(snap))
      hint += (hint.empty() ? "tables: " : ", ") + other.qualified_name();
    throw UserError(fmt::format("the lake has no table {}.{} at snapshot {}", schema, table_name, snap),
                    hint.empty() ? "the lake has no tables at that snapshot" : hint);
  }
  return *t;
}

ScanPlan Lake::scan(const std::string& name, const SnapshotRef& ref, const ScanOptions& options) {
  CatalogTransaction tx(*db_, false);
  std::int64_t snap = resolve(ref);
  Table t = table(name, SnapshotRef{snap, std::nullopt});
  CatalogReader r = reader();
  return ScanBuilder(r, data_root_).build(t, snap, options);
}

std::int64_t Lake::attach(engine::Connection& con, const SnapshotRef& ref, const std::string& catalog) {
  std::vector<std::string> statements;
  std::int64_t snap = 0;
  {
    CatalogTransaction tx(*db_, false);
    snap = resolve(ref);
    CatalogReader r = reader();
    std::string prefix = catalog.empty() ? "" : quote_identifier(catalog) + ".";
    for (const auto& s : r.schemas(snap))
      statements.push_back("CREATE SCHEMA IF NOT EXISTS " + prefix + quote_identifier(s.name));
    ScanBuilder builder(r, data_root_);
    for (const auto& t : r.tables(snap))
      statements.push_back("CREATE OR REPLACE VIEW " + prefix + quote_identifier(t.schema_name) + "." +
                           quote_identifier(t.name) + " AS " + builder.build(t, snap).sql);
    for (const auto& v : r.views(snap)) {
      if (v.dialect != "duckdb") continue;
      statements.push_back("CREATE OR REPLACE VIEW " + prefix + quote_identifier(v.schema_name) + "." +
                           quote_identifier(v.name) + " AS " + v.sql);
    }
  }
  for (const auto& s : statements) {
    try {
      con.execute(s);
    } catch (const engine::EngineError& e) {
      throw UserError(fmt::format("cannot expose the lake at snapshot {}: {}", snap, e.what()));
    }
  }
  return snap;
}

std::int64_t Lake::commit(std::int64_t base, const CommitIntent& intent, const CommitOps& ops) {
  CommitOptions options;
  options.author = config_.author;
  return run_commit(*db_, base, intent, ops, options);
}

}  // namespace pond::lake
