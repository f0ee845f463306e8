#pragma once
// A dbt Python model compiled as dbt-duckdb does: the model's code, followed by what dbt's
// object needs at run time (`__pond_dbt__`: refs and sources as relations, this, the config,
// is_incremental), rendered right before the model runs.
#include <string>

#include "project/node.hpp"

namespace pond::compile {

// A Jinja template whose rendering is the JSON of refs, sources, this and is_incremental.
std::string python_model_template(const project::Node& n);

// The compiled model: its code, then `__pond_dbt__ = {...}` (a Python literal) built from the
// rendered template and the node's config.
std::string python_model_code(const project::Node& n, const std::string& rendered_json);

}  // namespace pond::compile
