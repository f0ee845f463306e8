#pragma once
#include <string_view>

namespace pond {

// What this binary is: filled in at build time (cmake/BuildInfo.cmake).
std::string_view pond_version();
std::string_view pond_commit();
// The DuckDB library version pond was built against; checked against the loaded one at start-up.
std::string_view duckdb_expected_version();

}  // namespace pond
