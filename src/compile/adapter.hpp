#pragma once
// Internal: the `adapter` object of dbt's context with the method surface dbt-core's SQLAdapter
// and dbt-duckdb's DuckDBAdapter make available to Jinja. Methods that touch the database go
// through ContextData::hooks (ExecutionHooks); at parse time (execute is false) they return
// dbt's parse-time values (none, [], false) and run nothing.
#include "compile/context.hpp"

namespace pond::compile {

jinja::Value make_adapter(ContextData& data);

}  // namespace pond::compile
