#include "project/node.hpp"

#include <algorithm>

namespace pond::project {

namespace {
constexpr std::pair<ResourceType, std::string_view> kNames[] = {
    {ResourceType::kModel, "model"},       {ResourceType::kSeed, "seed"},
    {ResourceType::kSnapshot, "snapshot"}, {ResourceType::kTest, "test"},
    {ResourceType::kAnalysis, "analysis"}, {ResourceType::kSource, "source"},
    {ResourceType::kExposure, "exposure"}, {ResourceType::kMacro, "macro"},
};
}  // namespace

std::string_view to_string(ResourceType type) {
  for (const auto& [t, n] : kNames)
    if (t == type) return n;
  return "unknown";
}

std::optional<ResourceType> parse_resource_type(std::string_view text) {
  if (text == "data_test" || text == "unit_test") return ResourceType::kTest;
  for (const auto& [t, n] : kNames)
    if (n == text) return t;
  return std::nullopt;
}

bool Node::is_enabled() const {
  auto it = config.find("enabled");
  return it == config.end() || !it->is_boolean() || it->get<bool>();
}

std::string Node::materialized() const {
  auto it = config.find("materialized");
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int Node::line_of(std::size_t offset) const {
  offset = std::min(offset, raw_code.size());
  return 1 + static_cast<int>(
                 std::count(raw_code.begin(), raw_code.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace pond::project
