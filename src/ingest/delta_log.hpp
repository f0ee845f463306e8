#pragma once
// A Delta table's log replayed into a snapshot (the Delta protocol, "Action Reconciliation"):
// the newest checkpoint at or before the version (classic, multi-part, or v2 with sidecars;
// parquet read with DuckDB's read_parquet), then the JSON commits after it, in order. The
// latest protocol and metaData win; a file is live while an `add` of it (path + deletion
// vector) is not followed by a `remove` of the same. Local tables only.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pond::engine {
class Connection;
}

namespace pond::ingest {

// Where a file's deleted rows are (`deletionVector` of an add).
struct DeltaDeletionVector {
  std::string storage_type;    // "u" (a file named by a UUID), "i" (inline), "p" (a path)
  std::string path_or_inline;  // as in the log
  std::optional<std::int64_t> offset;
  std::int64_t size_in_bytes = 0;
  std::int64_t cardinality = 0;

  // What identifies it in add/remove reconciliation.
  std::string unique_id() const;
};

struct DeltaFile {
  std::string path;  // as in the log (a URI: relative to the table, percent-encoded)
  std::map<std::string, std::optional<std::string>> partition_values;  // by physical name
  std::int64_t size = 0;
  std::optional<DeltaDeletionVector> deletion_vector;
  std::int64_t version = 0;  // the commit that added it (the checkpoint's version for its files)
  bool data_change = true;   // false: the same rows in new files (OPTIMIZE), no change of the data

  std::string key() const;  // path + deletion vector id
};

struct DeltaProtocol {
  int min_reader_version = 0;
  int min_writer_version = 0;
  std::optional<std::vector<std::string>> reader_features;
};

struct DeltaMetadata {
  std::string id;
  std::string provider = "parquet";
  std::string schema_string;
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
};

struct DeltaSnapshot {
  std::filesystem::path table;  // the table's folder
  std::int64_t version = -1;
  std::optional<std::int64_t> checkpoint;  // the checkpoint replay started from
  DeltaProtocol protocol;
  DeltaMetadata metadata;
  std::vector<DeltaFile> files;  // live data files, sorted by path
};

// The snapshot of `table` at `version` (default: the latest). Errors are UserError (exit 1)
// starting with `who` ("ingest resource 'x'") and naming the table and the log file: no
// _delta_log, a version not in the log, a commit missing between two others, a line that is
// not JSON, a checkpoint that cannot be read, no protocol or metaData.
DeltaSnapshot read_delta_snapshot(engine::Connection& con, const std::filesystem::path& table,
                                  std::optional<std::int64_t> version, const std::string& who);

// What the commits after `after` up to `to` changed: the files their adds bring with new data
// (dataChange true; the latest add of a path), and the first commit that removes data (a
// remove with dataChange true: a DELETE, UPDATE, MERGE or overwrite), if any. A commit of the
// range missing from the log is a UserError.
struct DeltaChanges {
  std::vector<DeltaFile> added;  // in commit order
  std::optional<std::int64_t> first_removal;
};
DeltaChanges read_delta_changes(const std::filesystem::path& table, std::int64_t after, std::int64_t to,
                                const std::string& who);

// A log path (RFC 2396 URI, relative to the table or file://) as a local file path.
std::filesystem::path delta_file_path(const std::filesystem::path& table, const std::string& uri,
                                      const std::string& who);

}  // namespace pond::ingest
