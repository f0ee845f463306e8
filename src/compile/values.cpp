#include "compile/values.hpp"

#include "jinja/error.hpp"

namespace pond::compile {

jinja::Value to_value(const nlohmann::json& j) {
  using jinja::Value;
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      Value d = Value::dict();
      for (const auto& [k, v] : j.items()) d.as_dict().set(Value(k), to_value(v));
      return d;
    }
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& v : j) items.push_back(to_value(v));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return Value(static_cast<std::int64_t>(j.get<std::int64_t>()));
    case nlohmann::json::value_t::number_float:
      return Value(j.get<double>());
    default:
      return Value::none();
  }
}

nlohmann::json to_json(const jinja::Value& v) {
  using jinja::Kind;
  switch (v.kind()) {
    case Kind::kNone:
    case Kind::kUndefined:
      return nullptr;
    case Kind::kBool:
      return v.as_bool();
    case Kind::kInt:
      return v.as_int();
    case Kind::kFloat:
      return v.as_float();
    case Kind::kStr:
      return v.as_str();
    case Kind::kList:
    case Kind::kTuple: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& item : v.items()) a.push_back(to_json(item));
      return a;
    }
    case Kind::kDict: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, item] : v.as_dict().entries()) o[k.str()] = to_json(item);
      return o;
    }
    default:
      return v.str();
  }
}

}  // namespace pond::compile

namespace pond::compile {

std::string arg_str(const jinja::CallArgs& args, std::size_t i, std::string_view name) {
  return arg_opt_str(args, i, name).value_or(std::string());
}

std::optional<std::string> arg_opt_str(const jinja::CallArgs& args, std::size_t i, std::string_view name) {
  jinja::Value v = args.get(i, name);
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  return v.str();
}

void compiler_error(const std::string& message) {
  throw jinja::TemplateError(jinja::ErrorKind::kRuntime, message);
}

jinja::Value make_dict(std::initializer_list<std::pair<const char*, jinja::Value>> items) {
  jinja::Value d = jinja::Value::dict();
  for (const auto& [k, v] : items) d.as_dict().set(jinja::Value(k), v);
  return d;
}

}  // namespace pond::compile
