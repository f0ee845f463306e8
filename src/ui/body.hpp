#pragma once
// The JSON bodies of the UI's actions: parsed strictly (an unknown field, a wrong type or bad JSON
// is an http::Error 400 naming the field), so a typo never silently does something else.
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::ui {

// The body as a JSON object with only `known` fields; an empty body is {}. `example` is the
// hint of every error.
nlohmann::json parse_body(const std::string& text, std::initializer_list<std::string_view> known,
                          std::string example);

[[noreturn]] void bad_body(const std::string& why, const std::string& example);

// "a+ tag:x" or ["a+", "tag:x"]: the words of a selection (none when absent).
std::vector<std::string> selection_field(const nlohmann::json& body, const char* key,
                                         const std::string& example);
std::optional<std::string> string_field(const nlohmann::json& body, const char* key,
                                        const std::string& example);
std::optional<bool> bool_field(const nlohmann::json& body, const char* key, const std::string& example);

}  // namespace pond::ui
