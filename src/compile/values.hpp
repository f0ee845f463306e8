#pragma once
// Conversions between the manifest's JSON (configs, vars, meta) and Jinja values.
#include <nlohmann/json.hpp>

#include "jinja/value.hpp"

namespace pond::compile {

jinja::Value to_value(const nlohmann::json& j);
nlohmann::json to_json(const jinja::Value& v);

}  // namespace pond::compile
