#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "materialize/backend.hpp"
#include "materialize/session.hpp"
#include "materialize/spec.hpp"

namespace pond::materialize {

// A CSV seed to load (dbt's seed node).
struct SeedSpec {
  std::string unique_id;
  Relation relation;
  std::string csv_path;
  std::map<std::string, std::string> column_types;  // column -> SQL type, overriding inference
  std::string delimiter = ",";
  std::optional<bool> full_refresh;
  std::vector<Hook> pre_hooks;
  std::vector<Hook> post_hooks;
};

// The columns and types dbt would give the seed: agate's inference mapped to DuckDB types
// (all empty -> INTEGER, whole numbers -> INTEGER (BIGINT when a value needs it), numbers with
// decimals -> DOUBLE, YYYY-MM-DD -> DATE, date-times -> TIMESTAMP, true/false -> BOOLEAN,
// anything else -> VARCHAR; '' and 'null' are NULL), then column_types applied.
std::vector<Column> infer_seed_columns(Session& session, const SeedSpec& spec);

// Creates (or, unless full refresh, empties) the seed's table in `backend` and loads the CSV as
// one change. A header that changed since the table was built needs a full refresh (UserError,
// exit 1). rows_affected is the number of rows loaded.
MaterializeResult load_seed(Session& session, Backend& backend, const SeedSpec& spec,
                            const RunOptions& options);

}  // namespace pond::materialize
