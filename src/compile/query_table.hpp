#pragma once
// What run_query(), `{% call statement(..., fetch_result=True) %}` + load_result() and
// adapter.execute() give templates: an agate-like table (dbt hands macros agate.Table objects)
// with rows, columns, column_names and column_types, values typed from DuckDB's column types.
#include "compile/compiler.hpp"
#include "jinja/value.hpp"

namespace pond::compile {

// One cell as a Jinja value: integers, floats, booleans, dates and timestamps become those
// types; everything else stays text; NULL is none.
jinja::Value cell_value(const std::optional<std::string>& text, const std::string& type);

// The agate-like table of a query result.
jinja::Value query_table(const QueryResult& result);

// The dict load_result(name) returns: {response, data (list of tuples), table}.
jinja::Value statement_result(const QueryResult& result, bool fetched);

}  // namespace pond::compile
