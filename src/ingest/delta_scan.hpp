#pragma once
// A Delta snapshot as one DuckDB query: its data files read with read_parquet, columns named
// and typed as the Delta schema says (column mapping: physical names in the files, logical
// names out), partition values as typed constant columns, and the rows of deletion vectors
// left out. Reader features pond does not know are refused before anything is read.
#include <optional>
#include <string>
#include <vector>

#include "ingest/delta_log.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::ingest {

// The Delta schema's top-level columns.
struct DeltaColumn {
  std::string name;      // logical
  std::string physical;  // in the files and partitionValues (= name without column mapping)
  std::optional<std::int64_t> field_id;
  std::string type;  // DuckDB's
  bool partition = false;
};

// Refuses (UserError, exit 1, naming the table and the feature) a protocol or table pond cannot
// read correctly: minReaderVersion above 3, a reader feature it does not implement, a format
// other than parquet, an unknown column mapping mode or column type.
void check_delta_protocol(const DeltaSnapshot& snap, const std::string& who);

// The schema's columns (after check_delta_protocol).
std::vector<DeltaColumn> delta_columns(const DeltaSnapshot& snap, const std::string& who);

// The query of `files` (a subset of the snapshot's). Deleted rows go through a temporary table
// of the connection, dropped with the scan.
class DeltaScan {
 public:
  // `shared_schema`: the deleted rows go into a table of that schema, readable from every
  // connection of the database (a view other connections read), instead of a temporary one.
  DeltaScan(engine::Connection& con, const DeltaSnapshot& snap, const std::vector<DeltaFile>& files,
            const std::string& who, const std::string& shared_schema = "");
  ~DeltaScan();
  DeltaScan(const DeltaScan&) = delete;
  DeltaScan& operator=(const DeltaScan&) = delete;

  // SELECT of the rows; `with_filename`: a `filename` column naming each row's data file.
  std::string sql(bool with_filename) const;
  std::int64_t deleted_rows() const { return deleted_rows_; }

 private:
  engine::Connection& con_;
  std::string select_;  // the columns
  std::string from_;
  std::string deleted_table_;  // "" when no file has a deletion vector
  std::int64_t deleted_rows_ = 0;
};

}  // namespace pond::ingest
