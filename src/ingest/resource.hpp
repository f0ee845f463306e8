#pragma once
// One ingestion resource of pond.yml (`ingest:`), as the loader needs it: where the data comes
// from, how it is read, and how it lands in its lake table. Plain values; reading pond.yml is the
// orchestrator's (it keeps the places for its messages). docs/ingest.md documents each key.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "ingest/contract.hpp"
#include "ingest/postgres_config.hpp"
#include "ingest/rest_config.hpp"

namespace pond::ingest {

// How a resource's files are read (`format:`).
enum class FileFormat { kCsv, kTsv, kJsonLines, kJsonArray, kParquet };
// `compression:`; kAuto follows the extension (.gz, .zst).
enum class Compression { kAuto, kNone, kGzip, kZstd };
// `write:`: how a load's rows land in the table. kScd2 keeps every version of a row (by
// primary key) with its validity interval (scd2.hpp).
enum class WriteDisposition { kAppend, kReplace, kMerge, kScd2 };
// `incremental:`: kFiles loads each file (path + size + mtime) once; kNone every file (every
// page, row) each time; kCursor (REST, PostgreSQL) only records past the last load's highest cursor value.
enum class Incremental { kFiles, kNone, kCursor };
// `from:`.
enum class SourceKind { kFiles, kRest, kPostgres, kDelta };
// `on_bad_record:`: a bad record fails the load, or goes to `<table>__rejected` (quarantine.hpp).
enum class BadRecords { kFail, kQuarantine };

const char* format_name(FileFormat f);  // "csv", "tsv", "jsonl", "json", "parquet"
const char* write_name(WriteDisposition w);
// Whether rows are identified by the primary key (merge, scd2): the last row of a key in a load wins.
inline bool keyed(WriteDisposition w) {
  return w == WriteDisposition::kMerge || w == WriteDisposition::kScd2;
}

// How csv/tsv files are parsed. Unset values are DuckDB's detection (tsv: a tab delimiter).
struct CsvOptions {
  std::optional<std::string> delimiter;
  bool header = true;
  std::optional<std::string> quote;
  std::optional<std::string> escape;
  std::vector<std::string> null_strings;
  std::optional<std::string> encoding;  // utf-8, utf-16, latin-1
};

// One `ingest:` entry.
struct ResourceConfig {
  std::string name;  // the asset's name
  SourceLocation where;
  SourceKind source = SourceKind::kFiles;
  std::string schema = "raw";
  std::string table;  // default: the name
  // Files: a path or glob (`*`, `?`, `[...]`, `**`), relative to the project folder.
  std::string path;
  std::optional<FileFormat> format;  // default: from the path's extension
  Compression compression = Compression::kAuto;
  CsvOptions csv;
  RestSource rest;                             // from: rest
  PostgresSource postgres;                     // from: postgres
  std::optional<std::int64_t> delta_version;   // from: delta (path: the table's folder); default latest
  std::map<std::string, std::string> columns;  // column -> DuckDB type the values are cast to
  WriteDisposition write = WriteDisposition::kAppend;
  std::vector<std::string> primary_key;  // merge, scd2
  // scd2: whether a current key a load does not bring is retired (deleted at the source);
  // unset: when the load reads the whole source (full_extract).
  std::optional<bool> retire_absent;
  Contract contract;  // contract.hpp
  Incremental incremental = Incremental::kFiles;
  std::string description;
  std::string group = "default";
  std::vector<std::string> tags;
  // `partitions:` (a definition's name; empty: unpartitioned): each load reads one partition's
  // window and replaces that partition's rows (partition_window.hpp).
  std::string partitions;
  SourceLocation partitions_where;
  // Files `incremental: {cursor: COLUMN, initial: VALUE}` (Incremental::kCursor; `param` unused).
  std::optional<CursorIncremental> files_cursor;

  // Nested JSON (files jsonl/json, REST records): the depth to which structs become columns
  // `a__b` and lists child tables `<table>__<field>` (nesting.hpp); 0 keeps STRUCT and LIST columns.
  int max_nesting = 1000;
  BadRecords on_bad_record = BadRecords::kFail;

  std::string qualified_table() const { return schema + "." + table; }
  // Whether each load reads the whole source (so a row missing from it is gone at the source):
  // files with `incremental: none` (or `write: replace`), a REST API without a cursor.
  bool full_extract() const;
};

// The format a path's extension says (after .gz/.zst), or nullopt.
std::optional<FileFormat> format_of_path(const std::string& path);

}  // namespace pond::ingest
