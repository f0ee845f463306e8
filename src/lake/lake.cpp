#include "lake/lake.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "lake/catalog_schema.hpp"
#include "lake/sql_text.hpp"
#include "lake/view_sql.hpp"
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
  lake.catalog_kind_ = spec.kind;
  lake.catalog_location_ =
      spec.kind == "postgres" ? spec.target : fs::absolute(spec.target).lexically_normal().string();
  lake.catalog_dir_ =
      catalog_dir.empty() ? std::string() : fs::absolute(catalog_dir).lexically_normal().string();
  std::string configured;
  if (!config.data_path.empty()) configured = lake.absolute_data_path(config.data_path);
  if (!db.table_exists("ducklake_metadata")) {
    if (!create) throw UserError("catalog " + config.catalog + " holds no lake", "write to the lake first");
    if (configured.empty())
      throw UserError("a new lake needs a data path", "set data_path: in the lake configuration");
    // Stored absolute: DuckDB's extension resolves a relative data_path against the working
    // directory of whoever attaches, so only an absolute one works from any folder.
    storage::LocalFileSystem(configured).check_writable("");
    initialize_catalog(db, configured);
  } else {
    check_catalog_version(db, config.catalog);
  }
  if (create && !config.sql_catalog.empty()) lake.migrate_view_sql(config.sql_catalog);
  auto stored = CatalogReader(db).metadata("data_path");
  if (!stored || stored->empty()) throw UserError("lake catalog " + config.catalog + " stores no data_path");
  lake.stored_data_path_ = *stored;
  lake.encrypted_ = CatalogReader(db).metadata("encrypted").value_or("false") == "true";
  std::string resolved = lake.resolve_stored_path(*stored);
  if (configured.empty()) {
    lake.data_root_ = with_slash(resolved);
  } else {
    lake.data_root_ = configured;
    if (config.warn_moved_data && with_slash(resolved) != configured)
      log::warn(
          "the lake's catalog {} stores data_path {} but the target configures {}: pond uses {}, DuckDB's "
          "ducklake extension the stored one (run `pond lake relocate` if the data moved there)",
          config.catalog, *stored, configured, configured);
  }
  lake.files_ = std::make_unique<storage::LocalFileSystem>(lake.data_root_);
  return lake;
}

std::string Lake::absolute_data_path(const std::string& path) const {
  if (path.find("://") != std::string::npos) return with_slash(path);  // object stores
  fs::path p(path);
  if (!p.is_absolute()) p = config_.base_dir.empty() ? fs::absolute(p) : fs::absolute(config_.base_dir / p);
  return with_slash(p.lexically_normal().string());
}

std::string Lake::resolve_stored_path(const std::string& path) const {
  if (path.find("://") != std::string::npos) return path;
  fs::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  // A relative path names a folder relative to whoever attaches; pond takes the catalog's
  // folder (where the extension is run from when it writes `evolve_data/` next to
  // `evolve.ducklake`), or the project folder for a PostgreSQL catalog.
  fs::path base = !catalog_dir_.empty() ? fs::path(catalog_dir_) : config_.base_dir;
  return (base.empty() ? fs::absolute(p) : base / p).lexically_normal().string();
}

std::string redact_conninfo(std::string_view conninfo) {
  std::string out(conninfo);
  std::size_t at = out.find("password=");
  if (at != std::string::npos) {
    std::size_t end = out.find(' ', at);
    out.replace(at + 9, (end == std::string::npos ? out.size() : end) - at - 9, "***");
  }
  std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    std::size_t amp = out.find('@', scheme);
    std::size_t colon = out.find(':', scheme + 3);
    if (amp != std::string::npos && colon != std::string::npos && colon < amp)
      out.replace(colon + 1, amp - colon - 1, "***");
  }
  return out;
}

std::string Lake::duckdb_attach_sql(const std::string& alias) const {
  std::string target;
  if (catalog_kind_ == "postgres") {
    std::string conninfo = redact_conninfo(catalog_location_);
    target = "ducklake:postgres:" + conninfo;
  } else {
    target = (catalog_kind_ == "sqlite" ? "ducklake:sqlite:" : "ducklake:") + catalog_location_;
  }
  std::string sql = "ATTACH " + quote_literal(target) + " AS " + quote_identifier(alias);
  bool stored_leads_there =
      (fs::path(stored_data_path_).is_absolute() || stored_data_path_.find("://") != std::string::npos) &&
      with_slash(stored_data_path_) == data_root_;
  if (!stored_leads_there) sql += " (DATA_PATH " + quote_literal(data_root_) + ", OVERRIDE_DATA_PATH true)";
  return sql + ";";
}

void Lake::refuse_if_encrypted(const char* operation) const {
  if (encrypted_)
    throw UserError(
        fmt::format("the lake {} is encrypted (ducklake_metadata encrypted = true): pond cannot {} "
                    "into it, since it writes only unencrypted parquet files",
                    config_.catalog, operation),
        "read it with pond; write it with DuckDB's ducklake extension");
}

PathResolver Lake::path_resolver() const {
  std::vector<fs::path> bases;
  if (!catalog_dir_.empty()) bases.emplace_back(catalog_dir_);
  if (!config_.base_dir.empty()) bases.push_back(fs::absolute(config_.base_dir));
  bases.push_back(fs::current_path());
  return [bases](const std::string& path) {
    for (const auto& b : bases) {
      std::error_code ec;
      if (fs::exists(b / path, ec)) return (b / path).lexically_normal().string();
    }
    return (bases.front() / path).lexically_normal().string();
  };
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
  return ScanBuilder(r, data_root_, path_resolver()).build(t, snap, options);
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
    ScanBuilder builder(r, data_root_, path_resolver());
    // Comments (ducklake_tag / ducklake_column_tag 'comment') become the views' comments.
    auto comment_on = [&](const std::string& what, const std::string& name, const std::string& text) {
      statements.push_back("COMMENT ON " + what + " " + name + " IS " + quote_literal(text));
    };
    for (const auto& t : r.tables(snap)) {
      std::string name = prefix + quote_identifier(t.schema_name) + "." + quote_identifier(t.name);
      statements.push_back("CREATE OR REPLACE VIEW " + name + " AS " + builder.build(t, snap).sql);
      if (auto c = t.tags.find("comment"); c != t.tags.end()) comment_on("VIEW", name, c->second);
      for (const auto& col : t.columns)
        if (col.comment) comment_on("COLUMN", name + "." + quote_identifier(col.name), *col.comment);
    }
    for (const auto& v : r.views(snap)) {
      std::string name = prefix + quote_identifier(v.schema_name) + "." + quote_identifier(v.name);
      statements.push_back("CREATE OR REPLACE VIEW " + name + view_body(v, catalog));
      if (auto c = v.tags.find("comment"); c != v.tags.end()) comment_on("VIEW", name, c->second);
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
  options.extra_info = commit_info_;
  return run_commit(*db_, base, intent, ops, options);
}

std::vector<std::pair<std::int64_t, std::string>> Lake::snapshots_with_info(const std::string& text) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const auto& r : db_->query("SELECT snapshot_id, commit_extra_info FROM ducklake_snapshot_changes "
                                  "WHERE commit_extra_info IS NOT NULL "
                                  "ORDER BY snapshot_id"))
    if (r[1] && r[1]->find(text) != std::string::npos) out.emplace_back(to_int(r[0]), *r[1]);
  return out;
}

}  // namespace pond::lake
