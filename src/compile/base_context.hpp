#pragma once
// dbt's BaseContext: what every Jinja context of dbt has, also the one dbt_project.yml and
// profiles.yml are rendered with: env_var, return, fromjson/tojson, fromyaml/toyaml, set/
// set_strict, zip/zip_strict, log, print, diff_of_two_dicts, local_md5, modules, dbt_version,
// invocation_id, run_started_at, thread_id. `var` differs per context and is installed by each.
#include <string>

#include "jinja/environment.hpp"

namespace pond::compile {

struct BaseContextOptions {
  std::string invocation_id;
  std::string run_started_at;  // ISO-8601 UTC
};

void install_base_context(jinja::Environment& env, const BaseContextOptions& options);

// dbt's env_var(name, default): the process environment, else the default, else a compiler error.
jinja::Value env_var(jinja::CallArgs& args);

// Python's set as a Jinja value (insertion-ordered): set(iterable).
jinja::Value make_set(std::vector<jinja::Value> items);

}  // namespace pond::compile
