#pragma once
#include <string>

namespace pond::lake {

class Lake;

// Rewrites every `lake_scan('schema.table' [, version => N | timestamp => 'UTC time'])` in a
// SQL text into a subquery reading that table at that snapshot (latest when neither is
// given). DuckDB cannot run such a table function itself here (no extension can be loaded,
// and read_parquet needs its file list at bind time), so SQL that pond runs goes through this.
// Throws UserError for a malformed call or an unknown table/snapshot.
std::string expand_lake_scans(Lake& lake, const std::string& sql);

}  // namespace pond::lake
