#pragma once
// Engine-internal: builds Result objects from raw DuckDB results. Includes duckdb.h, so
// only engine .cpp files include it.
#include <duckdb.h>

#include <string>

#include "engine/result.hpp"

namespace pond::engine::detail {

// Takes ownership of `raw` (it is destroyed even when this throws). On a failed state
// it throws EngineError with DuckDB's message prefixed by `context`.
Result adopt_result(duckdb_result& raw, duckdb_state state, const std::string& context);

// "Column type" of a DuckDB logical type (not destroyed here).
ColumnType describe_type(duckdb_logical_type type);

}  // namespace pond::engine::detail
