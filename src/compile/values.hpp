#pragma once
// Conversions between the manifest's JSON (configs, vars, meta) and Jinja values, and the small
// helpers every context object uses (argument reading, dbt's compilation errors).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "jinja/value.hpp"

namespace pond::compile {

jinja::Value to_value(const nlohmann::json& j);
nlohmann::json to_json(const jinja::Value& v);

// Argument i (or keyword `name`) as text; empty when missing or none.
std::string arg_str(const jinja::CallArgs& args, std::size_t i, std::string_view name);
// Argument i (or keyword `name`) as text; nullopt when missing or none.
std::optional<std::string> arg_opt_str(const jinja::CallArgs& args, std::size_t i, std::string_view name);

// dbt's CompilationError raised from a context function: the render reports it as a
// "Compilation Error" located at the template line that called the function.
[[noreturn]] void compiler_error(const std::string& message);

// A dict value from (key, value) pairs, in order.
jinja::Value make_dict(std::initializer_list<std::pair<const char*, jinja::Value>> items);

}  // namespace pond::compile
