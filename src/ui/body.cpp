#include "ui/body.hpp"

#include <algorithm>

#include "http/server.hpp"
#include "ui/api.hpp"

namespace pond::ui {

using nlohmann::json;

void bad_body(const std::string& why, const std::string& example) {
  throw http::Error(400, "malformed request body: " + why, "send a JSON object such as " + example);
}

json parse_body(const std::string& text, std::initializer_list<std::string_view> known, std::string example) {
  if (text.empty()) return json::object();
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded()) bad_body("not JSON", example);
  if (!body.is_object()) bad_body("not a JSON object", example);
  for (auto& [k, v] : body.items())
    if (std::find(known.begin(), known.end(), k) == known.end())
      bad_body("unknown field '" + k + "'", example);
  return body;
}

std::vector<std::string> selection_field(const json& body, const char* key, const std::string& example) {
  if (!body.contains(key) || body[key].is_null()) return {};
  const json& v = body[key];
  const std::string why = std::string("'") + key + "' must be a string or a list of strings";
  if (v.is_string()) return split_selection(v.get<std::string>());
  if (!v.is_array()) bad_body(why, example);
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) bad_body(why, example);
    for (auto& w : split_selection(e.get<std::string>())) out.push_back(std::move(w));
  }
  return out;
}

std::optional<std::string> string_field(const json& body, const char* key, const std::string& example) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_string()) bad_body(std::string("'") + key + "' must be a string", example);
  return body[key].get<std::string>();
}

std::optional<bool> bool_field(const json& body, const char* key, const std::string& example) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_boolean()) bad_body(std::string("'") + key + "' must be true or false", example);
  return body[key].get<bool>();
}

}  // namespace pond::ui
