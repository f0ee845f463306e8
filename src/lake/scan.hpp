#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lake/catalog.hpp"
#include "lake/model.hpp"

namespace pond::storage {
class FileSystem;
}

namespace pond::lake {

// A simple comparison `column op value` used to skip files: by partition values and by the
// min/max statistics in the catalog. `value` is a literal's text (e.g. "2026-01-05", "42").
struct Predicate {
  std::string column;
  std::string op;  // =, <, <=, >, >=
  std::string value;
};

struct ScanOptions {
  std::vector<Predicate> filters;  // pruning only: the caller still applies its WHERE
  // Adds __pond_file_id (NULL for inlined rows) and __pond_pos (row position in its file,
  // the row id for inlined rows) so deletes can name rows.
  bool with_positions = false;
  // Checks that every file read exists with the size the catalog recorded, so a missing or
  // truncated file fails naming the table, the file and the snapshot (local files only).
  bool verify_files = true;
};

// What a scan of one table at one snapshot reads, and the SQL that reads it.
struct ScanPlan {
  std::string sql;
  std::size_t files_total = 0;
  std::size_t files_scanned = 0;
  std::size_t inlined_rows = 0;
};

// Resolves a path the catalog marks absolute but that is not (the extension stores the path
// given to ducklake_add_data_files as is; DuckDB then reads it from its working folder).
using PathResolver = std::function<std::string(const std::string&)>;

// Where a table's files are: data_path + schema path + table path (each relative to the
// one before unless stored absolute).
std::string table_directory(const std::string& data_root, const Table& table,
                            const PathResolver& resolve = {});
std::string data_file_location(const std::string& data_root, const Table& table, const DataFile& file,
                               const PathResolver& resolve = {});
std::string delete_file_location(const std::string& data_root, const Table& table, const DeleteFile& file,
                                 const PathResolver& resolve = {});

// Builds the SELECT that returns a table's rows at a snapshot: its parquet files read by
// field id (renamed, added and dropped columns mapped; defaults for missing columns),
// positional deletes (delete files and inlined deletes) applied, inlined rows added.
class ScanBuilder {
 public:
  // `files`: the lake's file system, which gives DuckDB local copies of an object store's files.
  ScanBuilder(CatalogReader& catalog, std::string data_root, PathResolver resolve = {},
              storage::FileSystem* files = nullptr)
      : catalog_(catalog), data_root_(std::move(data_root)), resolve_(std::move(resolve)), files_(files) {}
  ScanPlan build(const Table& table, std::int64_t snapshot, const ScanOptions& options = {});

 private:
  std::string readable(const std::string& location) const;

  CatalogReader& catalog_;
  std::string data_root_;
  PathResolver resolve_;
  storage::FileSystem* files_;
};

// -1/0/1 comparing two values (text) of one DuckLake type; numbers numerically.
int compare_values(const std::string& type, const std::string& a, const std::string& b);

// True when the statistics [min, max] (text) of a column of DuckLake type `type` can
// hold a value satisfying `op value`; unknown statistics keep the file.
bool stats_may_match(const std::string& type, const std::optional<std::string>& min,
                     const std::optional<std::string>& max, const std::string& op, const std::string& value);

}  // namespace pond::lake
