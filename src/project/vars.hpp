#pragma once
// dbt's `vars`: `--vars` on the command line (YAML or JSON) and dbt_project.yml `vars:` with
// package-scoped maps. Lookup order for var('x') in package P: --vars, vars[P][x], vars[x] of the root project,
// then P's own dbt_project.yml (vars[P][x], vars[x]).
#include <nlohmann/json.hpp>
#include <string>

namespace pond::project {

struct Manifest;

// Parses the text of --vars ('{key: value}' YAML or JSON). Throws UserError on bad input.
nlohmann::json parse_cli_vars(const std::string& text);

// The value of var(name) for a node of `package`, or nullptr when it is not defined.
const nlohmann::json* lookup_var(const Manifest& manifest, const std::string& package,
                                 const std::string& name);

}  // namespace pond::project
