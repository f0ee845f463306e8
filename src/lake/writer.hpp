#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lake/model.hpp"

namespace pond::engine {
class Connection;
}
namespace pond::storage {
class FileSystem;
}

namespace pond::lake {

// One parquet file written for a table, with what the catalog records about it.
struct WrittenFile {
  std::string path;       // relative to the table's folder
  std::string full_path;  // where it was written
  std::int64_t record_count = 0;
  std::int64_t file_size_bytes = 0;
  std::int64_t footer_size = 0;
  std::vector<ColumnStats> stats;                        // leaf columns, by column id
  std::map<std::int64_t, std::string> partition_values;  // key index -> value
};

// Writes the rows of `select_sql` as parquet files of `table` into `table_dir`: columns in
// the table's order, cast to its types, parquet field ids = column ids, hive-style folders
// for partitioned tables. Columns the query lacks get their default (or NULL); a column
// the table lacks is an error. Files with no rows are removed and not returned.
// `files` is the lake's file system: it makes the folders and removes what a failed write left.
std::vector<WrittenFile> write_data_files(engine::Connection& con, const std::string& select_sql,
                                          const Table& table, const std::string& table_dir,
                                          storage::FileSystem& files);

// Writes a positional delete file (columns file_path, pos) for one data file.
WrittenFile write_delete_file(engine::Connection& con, const std::string& positions_sql,
                              const std::string& data_file_path, const std::string& table_dir,
                              storage::FileSystem& files);

// The FIELD_IDS option value for a table's columns ({id: 1, tags: {__duckdb_field_id: 5, element: 6}}).
std::string field_ids_option(const std::vector<Column>& columns);

// Reads row counts, sizes and per-column statistics of existing parquet files (by field path).
std::vector<ColumnStats> parquet_column_stats(engine::Connection& con, const std::string& file,
                                              const std::vector<Column>& columns);

}  // namespace pond::lake
