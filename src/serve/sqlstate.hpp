#pragma once
// DuckDB's errors as PostgreSQL SQLSTATEs, for the wire server and the HTTP API.
#include <string>

namespace pond::serve {

// The SQLSTATE for a DuckDB error message (by its "<Kind> Error:" prefix).
std::string sqlstate_of(const std::string& duckdb_message, bool interrupted);

}  // namespace pond::serve
