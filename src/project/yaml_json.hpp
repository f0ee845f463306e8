#pragma once
// YAML -> JSON with YAML 1.2 core-schema scalar typing (quoted scalars stay strings), so
// configs, vars and test arguments compare and serialise the way dbt's (PyYAML) values do.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace pond::project {

nlohmann::json yaml_to_json(const YAML::Node& node);

}  // namespace pond::project
