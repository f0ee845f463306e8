#pragma once
// `on_bad_record: quarantine`: a record that cannot be read goes, raw, with its error into
// `<table>__rejected` (`_pond_load_id`, `_pond_loaded_at`, `source`, `line`, `record`, `error`)
// in the load's one commit, and the load goes on with the others.
//   csv/tsv  DuckDB's own rejects (`store_rejects`): lines with too few or too many fields,
//            unterminated quotes, values that do not cast to `columns:`
//   jsonl    (files, and REST records) the file read as lines: a line that is not a JSON object
//            is rejected; the others are parsed with the types DuckDB detects over every record
//            (`json_transform`), and a value that does not cast to `columns:` rejects its record
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ingest/resource.hpp"
#include "ingest/source_files.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::ingest {

inline constexpr const char* kRejectedSuffix = "__rejected";

// Where a JSON-lines record came from: files by path; REST records by page (`pages`: the first
// line of each page's records in the records file and its URL, secrets redacted).
struct RecordSources {
  std::vector<std::pair<std::int64_t, std::string>> pages;
};

// The DuckDB temp tables of a CSV read's rejects for `r` (read_csv's rejects_table, rejects_scan).
std::string csv_rejects_table(const ResourceConfig& r);
std::string csv_rejects_scan(const ResourceConfig& r);

// Drops what an earlier load on this connection left of the rejects.
void reset_rejects(engine::Connection& con, const ResourceConfig& r);

// A quarantining read of JSON lines: the good records' rows (as reader_sql gives them, casts of
// `columns:` applied) and the rejected ones' (source, line, record, error).
struct JsonQuarantine {
  std::string good;
  std::string good_filename;  // the same with a `filename` column (the record's source)
  std::string rejected;
};
JsonQuarantine json_quarantine(engine::Connection& con, const ResourceConfig& r,
                               const std::vector<SourceFile>& files, const RecordSources& sources);

// The rows of `<table>__rejected` for a load: `rejected` (source, line, record, error) with the
// load's columns. For CSV (`rejected` empty) they come from DuckDB's rejects tables of the read,
// which must run first (the write of the table's rows).
std::string rejected_sql(const ResourceConfig& r, const std::vector<SourceFile>& files,
                         const std::string& rejected, const std::string& load_id,
                         const std::string& loaded_at);

}  // namespace pond::ingest
