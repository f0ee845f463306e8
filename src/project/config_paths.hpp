#pragma once
// dbt_project.yml config trees checked against the project, as dbt warns: paths that apply to
// no resource (a misspelled folder configures nothing), and `+keys` one typo away from a
// config dbt knows (`+materialised`), which would otherwise be kept as a silent custom config.
#include <string>
#include <vector>

#include "project/manifest.hpp"

namespace pond::project {

// The warnings, in dbt's wording where dbt has one; empty when every path applies.
std::vector<std::string> config_path_warnings(const Manifest& manifest);

}  // namespace pond::project
