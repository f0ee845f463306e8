#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lake/catalog_db.hpp"
#include "lake/commit.hpp"
#include "lake/model.hpp"
#include "lake/scan.hpp"
#include "storage/file_system.hpp"
#include "storage/s3_client.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::lake {

// Where a lake lives: its catalog ("sqlite:lake.sqlite", "postgres:dbname=x host=y",
// "duckdb:lake.ducklake") and the folder of its data files. Relative paths are resolved
// against `base_dir` (the project folder); an empty data_path uses the one the catalog
// stores.
// `sql_catalog`: the DuckDB catalog name the writer's SQL uses for the lake (a dbt target's
// database). View SQL is stored with `{DUCKLAKE_CATALOG}.` in its place (view_sql.hpp), and
// opening a lake for writing rewrites views stored earlier with that name.
struct LakeConfig {
  std::string catalog;
  std::string data_path;
  std::filesystem::path base_dir;
  std::optional<std::string> author;
  std::string sql_catalog;
  // Warn when the configured data_path is not the stored one (once per process is enough:
  // a run opens its lake for every model).
  bool warn_moved_data = true;
  // How long a writer waits for another writer of the same table (table_lock.hpp).
  std::chrono::seconds lock_timeout{600};
  // When data_path is s3://bucket/prefix/: how to reach the store, whose credentials (empty:
  // the environment or the AWS shared credentials file), and where the local read cache and
  // write staging live (default: .pond/lake-files under base_dir, else beside the catalog).
  storage::S3Config s3;
  storage::AwsCredentials s3_credentials;
  std::string s3_profile;
  std::filesystem::path local_files_dir;
  std::uint64_t cache_bytes = 10ull << 30;
};

// The file system of `root` with `config`'s store settings: local disk, or S3 for
// s3://bucket/prefix/ (its cache and staging under config.local_files_dir, by default
// .pond/lake-files of the project, else beside the catalog in `catalog_dir`). Ingestion and file
// sensors reach s3:// paths this way too: one set of S3 settings per target.
std::unique_ptr<storage::FileSystem> open_store(const LakeConfig& config, const std::string& root,
                                                const std::string& catalog_dir = {});

// Which snapshot a read sees: the latest, a snapshot id, or the state at a timestamp.
struct SnapshotRef {
  std::optional<std::int64_t> version;
  std::optional<std::string> timestamp;  // "YYYY-MM-DD HH:MM:SS[.ffffff]" UTC
};

// A column of a new table (DuckDB type spelling).
struct ColumnDef {
  std::string name;
  std::string type;
  std::optional<std::string> default_value;
  bool nullable = true;
};

// One partition key of a table: a column and a transform (identity, year, month, day, hour).
struct PartitionKey {
  std::string column;
  std::string transform = "identity";
};

// The outcome of a write: the snapshot it created (or the unchanged latest one when it
// changed nothing) and the rows it wrote or deleted.
struct CommitResult {
  std::int64_t snapshot_id = 0;
  std::int64_t rows_written = 0;
  std::int64_t rows_deleted = 0;
  std::int64_t files_written = 0;
};

// One table's share of a commit of several tables (Lake::write_tables).
struct TableWrite {
  enum class Mode { kAppend, kReplace, kMerge };
  std::string table;  // "schema.table"; created with the query's columns when missing
  std::string select_sql;
  Mode mode = Mode::kAppend;
  std::vector<std::string> key_columns;  // kMerge: rows with equal keys are replaced, others added
  // Set: the rows' query is made from the rows the earlier writes of the commit wrote (one
  // count per earlier write), e.g. bookkeeping that records how many rows a load brought.
  std::function<std::string(const std::vector<std::int64_t>&)> select_after;
  // kAppend: the existing table's rows (alias `t`) matching this predicate over its columns are
  // deleted in the same commit, before the new rows count: the child rows of the parents a merge
  // replaces, or a partition replaced (delete its rows + insert).
  std::string delete_where;
};

struct CleanupResult {
  std::vector<std::string> removed;  // relative to the data path
  std::int64_t bytes = 0;
};

// What a retention policy expired (or, dry run, would expire) and the files it deleted.
struct RetentionResult {
  std::int64_t snapshots_expired = 0;
  std::int64_t snapshots_kept = 0;
  std::int64_t files_deleted = 0;
  std::int64_t bytes_deleted = 0;
};

// A libpq conninfo (key=value or URI) with its password replaced by ***, for messages.
std::string redact_conninfo(std::string_view conninfo);

// A DuckLake 1.0 lake: catalog + parquet files. Every write is one commit (one snapshot,
// one catalog transaction); reads pin a snapshot. Writes and reads run SQL on a caller's
// DuckDB connection (queries to write, views to read). Not thread-safe: one Lake per thread.
class Lake {
 public:
  // Opens the lake; creates the catalog tables and data folder when `create` and missing.
  static Lake open(const LakeConfig& config, bool create = true);
  Lake(Lake&&) noexcept;
  Lake& operator=(Lake&&) noexcept;
  ~Lake();

  const std::string& data_root() const { return data_root_; }
  // The data_path as the catalog stores it (absolute for lakes pond creates).
  const std::string& stored_data_path() const { return stored_data_path_; }
  // "sqlite", "duckdb" or "postgres", and the catalog file (absolute) or libpq conninfo.
  const std::string& catalog_kind() const { return catalog_kind_; }
  const std::string& catalog_location() const { return catalog_location_; }
  const LakeConfig& config() const { return config_; }
  // `path` made absolute (relative to the project folder); URLs unchanged; ends with '/'.
  std::string absolute_data_path(const std::string& path) const;
  // The file system of a data root: local disk, or S3 for s3://bucket/prefix/.
  std::unique_ptr<storage::FileSystem> open_files(const std::string& root) const;
  // A path the catalog stores without a parent (data_path, or an added file's path marked
  // not relative) as pond resolves it: absolute as is, relative against the catalog's folder.
  std::string resolve_stored_path(const std::string& path) const;
  CatalogDb& catalog_db() { return *db_; }
  // Where the lake's files live: every file the lake writes, lists or removes goes through it.
  storage::FileSystem& files() { return *files_; }
  CatalogReader reader() { return CatalogReader(*db_); }

  // What the next commits record as their commit_extra_info (pond: the run and step writing,
  // as JSON), until changed; nullopt: nothing.
  void set_commit_info(std::optional<std::string> info) { commit_info_ = std::move(info); }
  // The snapshots whose commit_extra_info contains `text`, oldest first, with that info.
  std::vector<std::pair<std::int64_t, std::string>> snapshots_with_info(const std::string& text);

  // ---- snapshots and metadata
  Snapshot latest_snapshot();
  std::vector<Snapshot> snapshots();
  std::int64_t resolve(const SnapshotRef& ref);
  std::vector<Table> tables(const SnapshotRef& ref = {});
  std::vector<View> views(const SnapshotRef& ref = {});
  // "schema.table" or "table" (schema main); throws UserError naming the snapshot.
  Table table(const std::string& name, const SnapshotRef& ref = {});

  // ---- DDL (each one commit)
  CommitResult create_schema(const std::string& name, bool if_not_exists = false);
  CommitResult drop_schema(const std::string& name);
  CommitResult create_table(const std::string& name, const std::vector<ColumnDef>& columns,
                            const std::vector<PartitionKey>& partition = {}, bool if_not_exists = false);
  CommitResult drop_table(const std::string& name, bool if_exists = false);
  CommitResult rename_table(const std::string& name, const std::string& new_name);
  // `query` may name the lake by config.sql_catalog; it is stored portable (view_sql.hpp).
  CommitResult create_view(const std::string& name, const std::string& query, bool or_replace = false);
  CommitResult drop_view(const std::string& name, bool if_exists = false);
  CommitResult add_column(const std::string& table, const ColumnDef& column);
  CommitResult drop_column(const std::string& table, const std::string& column);
  CommitResult rename_column(const std::string& table, const std::string& column,
                             const std::string& new_name);
  // Widening only (int32 -> int64, float -> double, wider decimal): files are not rewritten.
  CommitResult alter_column_type(const std::string& table, const std::string& column,
                                 const std::string& duckdb_type);
  CommitResult set_partitioning(const std::string& table, const std::vector<PartitionKey>& keys);

  // ---- data (the API a materialization uses; each call is one commit)
  // CTAS: creates (or, with replace, atomically replaces) a table from a query's result.
  CommitResult create_table_as(engine::Connection& con, const std::string& name,
                               const std::string& select_sql, const std::vector<PartitionKey>& partition = {},
                               bool replace = false);
  CommitResult append(engine::Connection& con, const std::string& table, const std::string& select_sql);
  // Replaces every row of the table by the query's rows (schema unchanged).
  CommitResult overwrite(engine::Connection& con, const std::string& table, const std::string& select_sql);
  // Deletes the rows matching a SQL predicate over the table's columns.
  CommitResult delete_where(engine::Connection& con, const std::string& table, const std::string& predicate);
  // UPDATE table SET <assignments> WHERE <predicate>, as a delete plus an append.
  CommitResult update(engine::Connection& con, const std::string& table, const std::string& assignments,
                      const std::string& predicate);
  // Incremental delete+insert in one snapshot: deletes the rows matching `predicate` and
  // appends the rows of `select_sql` (computed before the delete).
  CommitResult replace_where(engine::Connection& con, const std::string& table, const std::string& predicate,
                             const std::string& select_sql);
  // Upsert: rows of `source_sql` replace the rows with equal key columns, others are added.
  CommitResult merge(engine::Connection& con, const std::string& table, const std::string& source_sql,
                     const std::vector<std::string>& key_columns);

  // Writes several tables in ONE commit (one snapshot, one catalog transaction): data and the
  // state that says it was written move together. Missing tables (and schemas) are created;
  // the schema evolves: columns the query has and the table lacks are added, a column whose
  // new values are wider (int32 -> int64, float -> double, wider decimal) is widened. A type that
  // would need narrowing or a lossy cast is a UserError naming table and column, before
  // anything is written. Returns one result per write (the same snapshot id in each).
  std::vector<CommitResult> write_tables(engine::Connection& con, const std::vector<TableWrite>& writes);

  // ---- reads
  // The SELECT returning a table's rows at a snapshot (files pruned by `filters`).
  ScanPlan scan(const std::string& table, const SnapshotRef& ref = {}, const ScanOptions& options = {});
  // Creates views <catalog>.<schema>.<table> (and the lake's own views) over the lake at a
  // pinned snapshot in the connection's database `catalog` (default: the current one).
  // Returns the snapshot id the views show.
  // One object that cannot be shown (a view whose SQL no longer binds, a table whose files are
  // gone) never fails the whole attach: it is left out with a warning naming it and why, and
  // the rest is shown (views in dependency order). `skipped` (optional) receives them.
  std::int64_t attach(engine::Connection& con, const SnapshotRef& ref = {}, const std::string& catalog = "",
                      std::vector<std::pair<std::string, std::string>>* skipped = nullptr);

  // ---- interoperability
  // The statement a DuckDB user with the ducklake extension runs to attach this lake as
  // `alias` from any folder: absolute paths, DATA_PATH (with OVERRIDE_DATA_PATH) only when
  // the stored data_path alone does not lead there; a PostgreSQL password is shown as ***.
  std::string duckdb_attach_sql(const std::string& alias) const;
  // Stores `data_path` (absolute; default: the configured one) as the lake's data_path,
  // after checking that every file of the latest snapshot is there. Returns the old value.
  std::string relocate(const std::string& data_path = "");

  // ---- maintenance
  // Rewrites every stored view (all snapshots, in place: the SQL means the same) whose SQL
  // names the lake by `sql_catalog` into the portable form. Returns the rows rewritten.
  std::int64_t migrate_view_sql(const std::string& sql_catalog);
  // Rewrites a table's live files (deletes applied) into one file per partition.
  CommitResult compact(engine::Connection& con, const std::string& table);
  // Drops snapshots older than `older_than` (UTC text), keeping the latest; files only they
  // needed are scheduled for deletion. Returns the number of snapshots expired.
  std::int64_t expire(const std::string& older_than);
  // Deletes files scheduled for deletion and orphan files (in the data path but in no
  // catalog row) older than `min_age_seconds`.
  CleanupResult cleanup(bool dry_run = false, std::int64_t min_age_seconds = 600);
  // Expires snapshots older than `max_age`, except the newest `min_snapshots`, then deletes the
  // files only they needed (and orphans older than `orphan_min_age_seconds`). Dry run: counts
  // the snapshots that would go and touches nothing.
  RetentionResult apply_retention(std::chrono::seconds max_age, int min_snapshots, bool dry_run = false,
                                  std::int64_t orphan_min_age_seconds = 600);

 private:
  Lake() = default;
  std::int64_t commit(std::int64_t base, const CommitIntent& intent, const CommitOps& ops);
  // Resolves file paths marked absolute that are not: the first of the catalog's folder, the
  // project folder and the working folder where the file exists.
  PathResolver path_resolver() const;
  // pond writes plain parquet: writing files into a lake whose metadata says `encrypted`
  // would store readable data where the lake promises encryption.
  void refuse_if_encrypted(const char* operation) const;
  std::pair<std::string, std::string> split_name(const std::string& name) const;

  LakeConfig config_;
  std::string data_root_;  // absolute, ends with '/'
  std::string stored_data_path_;
  std::string catalog_kind_;
  std::string catalog_location_;
  std::string catalog_dir_;  // file catalogs: the catalog's folder (absolute)
  bool encrypted_ = false;
  std::unique_ptr<CatalogDb> db_;
  std::unique_ptr<storage::FileSystem> files_;  // rooted at data_root_
  std::optional<std::string> commit_info_;
};

}  // namespace pond::lake
