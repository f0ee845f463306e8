#include "project/yaml_json.hpp"

#include <charconv>
#include <cstdlib>

namespace pond::project {

namespace {

nlohmann::json scalar_to_json(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  // A quoted scalar carries the non-specific tag "!" and is always a string.
  if (node.Tag() == "!") return s;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  const char* digits = (*begin == '-' || *begin == '+') ? begin + 1 : begin;
  if (digits < end && *digits >= '0' && *digits <= '9') {
    long long i = 0;
    auto [p, ec] = std::from_chars(*begin == '+' ? begin + 1 : begin, end, i);
    if (ec == std::errc() && p == end) return i;
    double d = 0;
    auto [q, ec2] = std::from_chars(*begin == '+' ? begin + 1 : begin, end, d);
    if (ec2 == std::errc() && q == end) return d;
  }
  return s;
}

}  // namespace

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[kv.first.Scalar()] = yaml_to_json(kv.second);
      return out;
    }
  }
  return nullptr;
}

}  // namespace pond::project
