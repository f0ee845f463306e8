#include "project/yaml_json.hpp"

#include "project/yaml_tree.hpp"

namespace pond::project {

namespace {

nlohmann::json scalar_to_json(const YAML::Node& node) {
  // A quoted scalar carries the non-specific tag "!" and is always a string.
  return yaml_scalar_to_json(node.Scalar(), node.Tag() == "!");
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
