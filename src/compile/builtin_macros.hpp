#pragma once
// The macros dbt provides that a project may call or override, written for pond in Jinja:
// the four generic tests, get_where_subquery, the relation naming macros and dbt's
// cross-database macros (dbt.dateadd, dbt.type_string, ...).
#include <string_view>

namespace pond::compile {

// All of them, as one library.
std::string_view builtin_macros_source();
// The cross-database macros alone (builtin_macros_cross_db.cpp).
std::string_view cross_db_macros_source();

}  // namespace pond::compile
