#pragma once
// Ingestion's state in the lake, next to the data: `<schema>._pond_loads` (one row per load)
// and `<schema>._pond_load_files` (one row per file loaded). They are written in the same
// commit as the rows they describe, so a crash leaves both or neither: a file is loaded
// exactly once.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ingest/source_files.hpp"

namespace pond::engine {
class Connection;
}
namespace pond::lake {
class Lake;
}

namespace pond::ingest {

inline constexpr const char* kLoadsTable = "_pond_loads";
inline constexpr const char* kLoadFilesTable = "_pond_load_files";
inline constexpr const char* kLoadCursorsTable = "_pond_load_cursors";
// The column holding a partitioned resource's partition key on every row.
inline constexpr const char* kPartitionColumn = "_pond_partition";

// The files loaded into `table` by `resource` so far, as SourceFile::identity() (path + ETag for
// an object, path + size + mtime for a local file); empty when nothing was ever loaded.
std::set<std::string> loaded_files(lake::Lake& lake, engine::Connection& con, const std::string& schema,
                                   const std::string& resource, const std::string& table);

// The cursor value (JSON text) the last load of `resource` into `table` with the cursor
// `cursor` ended at, or nullopt (never loaded, or another cursor then).
std::optional<std::string> last_cursor(lake::Lake& lake, engine::Connection& con, const std::string& schema,
                                       const std::string& resource, const std::string& table,
                                       const std::string& cursor);

// What one load records about itself.
struct LoadRecord {
  std::string load_id;
  std::string resource;
  std::string table;  // schema.table
  std::string run_id;
  std::string loaded_at;  // "YYYY-MM-DD HH:MM:SS.ffffff" UTC
  std::string write;      // the disposition
  std::vector<SourceFile> files;
  std::int64_t rows_discarded = 0;    // by the contract (discard_row)
  std::int64_t values_discarded = 0;  // by the contract (discard_value)
  std::string partition;              // a partitioned load's partition key ("": unpartitioned)
};

// The row of `_pond_loads` (its `rows` column: `rows`; `rows_rejected`: the records quarantined).
std::string loads_row_sql(const LoadRecord& load, std::int64_t rows, std::int64_t rows_rejected = 0);
// The rows of `_pond_load_files`.
std::string load_files_sql(const LoadRecord& load);
// The row of `_pond_load_cursors`: the highest cursor value (JSON text) the load brought.
std::string load_cursor_sql(const LoadRecord& load, const std::string& cursor, const std::string& value_json);

}  // namespace pond::ingest
