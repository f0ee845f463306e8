#pragma once
// `{{ env_var('NAME') }}` / `{{ env_var('NAME', 'default') }}` in profiles.yml and
// dbt_project.yml, replaced before the YAML is parsed (dbt renders these files with a
// context that only has env_var and var). Only expressions that are exactly one env_var call
// are replaced, so Jinja meant for later (hooks) passes through untouched.
#include <string>

namespace pond::project {

// Throws UserError at file:line:col naming the variable when it is unset and has no default.
std::string render_env_vars(std::string text, const std::string& file);

}  // namespace pond::project
