#pragma once
#include <string_view>

namespace pond::project {

// The dbt release whose behaviour and artifact schemas pond follows: written as `dbt_version`
// in manifest.json, run_results.json, sources.json and catalog.json, and `dbt_version` in Jinja.
inline constexpr std::string_view kDbtVersion = "1.9.0";

}  // namespace pond::project
