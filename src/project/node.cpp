#include "project/node.hpp"

#include <algorithm>

#include "project/config.hpp"

namespace pond::project {

namespace {
constexpr std::pair<ResourceType, std::string_view> kNames[] = {
    {ResourceType::kModel, "model"},
    {ResourceType::kSeed, "seed"},
    {ResourceType::kSnapshot, "snapshot"},
    {ResourceType::kTest, "test"},
    {ResourceType::kAnalysis, "analysis"},
    {ResourceType::kSource, "source"},
    {ResourceType::kExposure, "exposure"},
    {ResourceType::kMacro, "macro"},
    {ResourceType::kUnitTest, "unit_test"},
    {ResourceType::kMetric, "metric"},
    {ResourceType::kSemanticModel, "semantic_model"},
    {ResourceType::kSavedQuery, "saved_query"},
};
}  // namespace

std::string_view to_string(ResourceType type) {
  for (const auto& [t, n] : kNames)
    if (t == type) return n;
  return "unknown";
}

std::optional<ResourceType> parse_resource_type(std::string_view text) {
  if (text == "data_test") return ResourceType::kTest;
  for (const auto& [t, n] : kNames)
    if (n == text) return t;
  return std::nullopt;
}

const std::vector<std::string>& resource_type_names() {
  static const std::vector<std::string> names{"model",     "seed",           "snapshot",   "test",
                                              "unit_test", "analysis",       "source",     "exposure",
                                              "metric",    "semantic_model", "saved_query"};
  return names;
}

bool is_definition_only(ResourceType type) {
  switch (type) {
    case ResourceType::kSource:
    case ResourceType::kExposure:
    case ResourceType::kUnitTest:
    case ResourceType::kMetric:
    case ResourceType::kSemanticModel:
    case ResourceType::kSavedQuery:
      return true;
    default:
      return false;
  }
}

const nlohmann::json* Node::config_value(std::string_view key) const {
  if (auto it = config.find(key); it != config.end()) return &*it;
  const nlohmann::json& d = shared_default_config(resource_type);
  if (auto it = d.find(key); it != d.end()) return &*it;
  return nullptr;
}

nlohmann::json Node::full_config() const {
  nlohmann::json out = shared_default_config(resource_type);
  for (const auto& [k, v] : config.items()) out[k] = v;
  return out;
}

bool Node::is_enabled() const {
  const nlohmann::json* v = config_value("enabled");
  return !v || !v->is_boolean() || v->get<bool>();
}

std::string Node::materialized() const {
  const nlohmann::json* v = config_value("materialized");
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

int Node::line_of(std::size_t offset) const {
  offset = std::min(offset, raw_code.size());
  return 1 + static_cast<int>(
                 std::count(raw_code.begin(), raw_code.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace pond::project
