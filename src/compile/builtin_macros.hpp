#pragma once
// The macros dbt provides that a project may call or override, written for pond in Jinja:
// the four generic tests, get_where_subquery, and the relation naming macros.
#include <string_view>

namespace pond::compile {

std::string_view builtin_macros_source();

}  // namespace pond::compile
