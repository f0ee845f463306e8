#include "lake/lake.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "lake/catalog_schema.hpp"
#include "lake/sql_text.hpp"
#include "lake/view_sql.hpp"
#include "storage/aws_credentials.hpp"
#include "storage/file_system.hpp"
#include "storage/s3_file_system.hpp"

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

namespace {

// Whether a folder already holds parquet files (of another lake, when the catalog is new).
bool holds_parquet(const std::string& dir) {
  std::error_code ec;
  if (dir.find("://") != std::string::npos || !fs::is_directory(dir, ec)) return false;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".parquet") return true;
  return false;
}

// A new catalog whose data path already holds a lake's files is almost always a mistyped
// catalog path: creating a second lake there would share (and later clean up) the first one's
// files. Refused before anything is created.
void refuse_second_lake(const LakeConfig& config, const std::string& data_root) {
  if (!holds_parquet(data_root)) return;
  throw UserError("the lake catalog " + config.catalog + " does not exist yet, but its data path " +
                      data_root + " already holds another lake's parquet files",
                  "check catalog: in the target's lake: (a typo there starts a second lake over the same "
                  "files); to start a new lake, give it its own data_path");
}

}  // namespace

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
    if (create && !fs::exists(spec.target) && !config.data_path.empty())
      refuse_second_lake(config, lake.absolute_data_path(config.data_path));
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
    if (spec.kind == "postgres") refuse_second_lake(config, configured);
    // Stored absolute: DuckDB's extension resolves a relative data_path against the working
    // directory of whoever attaches, so only an absolute one works from any folder.
    lake.open_files(configured)->check_writable("");
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
  lake.files_ = lake.open_files(lake.data_root_);
  return lake;
}

std::unique_ptr<storage::FileSystem> Lake::open_files(const std::string& root) const {
  return open_store(config_, root, catalog_dir_);
}

std::unique_ptr<storage::FileSystem> open_store(const LakeConfig& config, const std::string& root,
                                                const std::string& catalog_dir) {
  if (!root.starts_with("s3://")) {
    if (root.find("://") != std::string::npos)
      throw UserError("the lake's data path " + root + " is on a store pond does not support",
                      "use a local folder or s3://bucket/prefix/");
    return std::make_unique<storage::LocalFileSystem>(root);
  }
  fs::path local = config.local_files_dir;
  if (local.empty())
    local =
        !config.base_dir.empty()
            ? fs::absolute(config.base_dir) / ".pond" / "lake-files"
            : fs::path(catalog_dir.empty() ? fs::current_path().string() : catalog_dir) / ".pond-lake-files";
  auto client = std::make_shared<storage::S3Client>(
      config.s3, storage::resolve_aws_credentials(config.s3_credentials, config.s3_profile));
  return std::make_unique<storage::S3FileSystem>(std::move(client), root, local, config.cache_bytes);
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
  return ScanBuilder(r, data_root_, path_resolver(), files_.get()).build(t, snap, options);
}

namespace {

// A statement that shows one lake object, and the statements (comments) that go with it.
struct Exposure {
  std::string object;  // schema.name
  std::string sql;
  std::vector<std::string> after;
  std::vector<std::string> mentions;  // lower-cased names of other views its SQL may read
  bool is_view = false;
};

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Whether `sql` mentions `name` as a whole word (a cheap dependency test: false positives only
// change the order, and the creation loop below tolerates misses).
bool mentions(const std::string& sql, const std::string& name) {
  for (std::size_t at = sql.find(name); at != std::string::npos; at = sql.find(name, at + 1)) {
    bool before = at == 0 || !word_char(sql[at - 1]);
    bool after = at + name.size() >= sql.size() || !word_char(sql[at + name.size()]);
    if (before && after) return true;
  }
  return false;
}

}  // namespace

std::int64_t Lake::attach(engine::Connection& con, const SnapshotRef& ref, const std::string& catalog,
                          std::vector<std::pair<std::string, std::string>>* skipped) {
  std::vector<std::string> schemas;
  std::vector<Exposure> objects;
  std::int64_t snap = 0;
  {
    CatalogTransaction tx(*db_, false);
    snap = resolve(ref);
    CatalogReader r = reader();
    std::string prefix = catalog.empty() ? "" : quote_identifier(catalog) + ".";
    for (const auto& s : r.schemas(snap))
      schemas.push_back("CREATE SCHEMA IF NOT EXISTS " + prefix + quote_identifier(s.name));
    ScanBuilder builder(r, data_root_, path_resolver(), files_.get());
    // Comments (ducklake_tag / ducklake_column_tag 'comment') become the views' comments.
    auto comment = [&](const std::string& what, const std::string& name, const std::string& text) {
      return "COMMENT ON " + what + " " + name + " IS " + quote_literal(text);
    };
    for (const auto& t : r.tables(snap)) {
      Exposure e;
      e.object = t.schema_name + "." + t.name;
      std::string name = prefix + quote_identifier(t.schema_name) + "." + quote_identifier(t.name);
      try {
        e.sql = "CREATE OR REPLACE VIEW " + name + " AS " + builder.build(t, snap).sql;
      } catch (const std::exception& ex) {
        if (skipped)
          skipped->emplace_back(e.object, ex.what());
        else
          log::warn("lake table {} is not shown at snapshot {}: {}", e.object, snap, ex.what());
        continue;
      }
      if (auto c = t.tags.find("comment"); c != t.tags.end())
        e.after.push_back(comment("VIEW", name, c->second));
      for (const auto& col : t.columns)
        if (col.comment)
          e.after.push_back(comment("COLUMN", name + "." + quote_identifier(col.name), *col.comment));
      objects.push_back(std::move(e));
    }
    std::vector<std::string> view_names;
    for (const auto& v : r.views(snap)) view_names.push_back(to_lower(v.name));
    for (const auto& v : r.views(snap)) {
      Exposure e;
      e.is_view = true;
      e.object = v.schema_name + "." + v.name;
      std::string name = prefix + quote_identifier(v.schema_name) + "." + quote_identifier(v.name);
      e.sql = "CREATE OR REPLACE VIEW " + name + view_body(v, catalog);
      if (auto c = v.tags.find("comment"); c != v.tags.end())
        e.after.push_back(comment("VIEW", name, c->second));
      std::string lower_sql =
          to_lower(e.sql.substr(e.sql.find(" AS ") == std::string::npos ? 0 : e.sql.find(" AS ")));
      for (const auto& other : view_names)
        if (other != to_lower(v.name) && mentions(lower_sql, other)) e.mentions.push_back(other);
      objects.push_back(std::move(e));
    }
  }
  for (const auto& s : schemas) con.execute(s);
  // Tables first, then views once the views they mention exist; when a round makes no progress,
  // the waiting ones are tried anyway (a mention may be a false positive, or its view left out);
  // what still fails then is left out.
  std::set<std::string> created;
  std::map<std::string, std::string> last_error;
  auto try_create = [&](Exposure* e) {
    try {
      con.execute(e->sql);
      for (const auto& a : e->after) con.execute(a);
      created.insert(to_lower(e->object.substr(e->object.find('.') + 1)));
      return true;
    } catch (const engine::EngineError& err) {
      last_error[e->object] = err.what();
      return false;
    }
  };
  auto ready = [&](const Exposure* e) {
    return std::all_of(e->mentions.begin(), e->mentions.end(),
                       [&](const std::string& m) { return created.count(m) > 0; });
  };
  std::vector<Exposure*> pending;
  for (auto& e : objects) pending.push_back(&e);
  while (!pending.empty()) {
    bool progress = false;
    std::vector<Exposure*> next;
    for (Exposure* e : pending) {
      if (!ready(e) || !try_create(e))
        next.push_back(e);
      else
        progress = true;
    }
    if (!progress) {
      std::vector<Exposure*> still;
      for (Exposure* e : next)
        if (!try_create(e)) still.push_back(e);
      progress = still.size() < next.size();
      next = std::move(still);
    }
    pending = std::move(next);
    if (!progress) break;
  }
  std::set<std::string> left_out;
  for (Exposure* e : pending) left_out.insert(to_lower(e->object.substr(e->object.find('.') + 1)));
  for (Exposure* e : pending) {
    std::string why = last_error.count(e->object) ? last_error[e->object] : "it could not be created";
    // A view that fails because a view it reads is left out: say that, not DuckDB's
    // "does not exist", which reads as if the lake had lost it.
    for (const auto& m : e->mentions)
      if (left_out.count(m)) {
        why = "it reads " + m + ", which is not shown either";
        break;
      }
    std::string first_line = why.substr(0, why.find('\n'));
    if (skipped)
      skipped->emplace_back(e->object, first_line);
    else
      log::warn("lake {} {} is not shown at snapshot {}: {}", e->is_view ? "view" : "table", e->object, snap,
                first_line);
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
