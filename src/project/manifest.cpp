#include "project/manifest.hpp"

#include <algorithm>
#include <iterator>

namespace pond::project {

void Manifest::add_nodes(std::vector<Node> more) {
  if (more.empty()) return;
  std::sort(more.begin(), more.end(), [](const Node& a, const Node& b) { return a.unique_id < b.unique_id; });
  std::vector<Node> merged;
  merged.reserve(nodes.size() + more.size());
  std::merge(std::make_move_iterator(nodes.begin()), std::make_move_iterator(nodes.end()),
             std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()),
             std::back_inserter(merged),
             [](const Node& a, const Node& b) { return a.unique_id < b.unique_id; });
  nodes = std::move(merged);
  rebuild_index();
}

void Manifest::rebuild_index() {
  by_id_.clear();
  macro_by_id_.clear();
  by_ref_name_.clear();
  by_source_.clear();
  by_id_.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    by_id_.emplace(n.unique_id, i);
    if (n.resource_type == ResourceType::kModel || n.resource_type == ResourceType::kSeed ||
        n.resource_type == ResourceType::kSnapshot) {
      by_ref_name_[n.name].push_back(i);
    }
    if (n.resource_type == ResourceType::kSource) by_source_.emplace(n.source_name + "\t" + n.name, i);
  }
  for (std::size_t i = 0; i < macros.size(); ++i) macro_by_id_.emplace(macros[i].unique_id, i);
}

const Node* Manifest::find(std::string_view unique_id) const {
  auto it = by_id_.find(unique_id);
  return it == by_id_.end() ? nullptr : &nodes[it->second];
}

std::optional<std::size_t> Manifest::index_of(std::string_view unique_id) const {
  auto it = by_id_.find(unique_id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

const Macro* Manifest::find_macro(std::string_view unique_id) const {
  auto it = macro_by_id_.find(unique_id);
  return it == macro_by_id_.end() ? nullptr : &macros[it->second];
}

const Node* Manifest::resolve_ref(const std::string& package, const std::string& name,
                                  const std::string& from_package) const {
  auto it = by_ref_name_.find(name);
  if (it == by_ref_name_.end()) return nullptr;
  const Node* fallback = nullptr;
  for (std::size_t i : it->second) {
    const Node& n = nodes[i];
    if (!package.empty()) {
      if (n.package_name == package) return &n;
      continue;
    }
    // dbt looks in the calling package first, then the root project, then any package.
    if (n.package_name == from_package) return &n;
    if (n.package_name == project.name || !fallback) fallback = &n;
  }
  return fallback;
}

const Node* Manifest::resolve_source(const std::string& source, const std::string& table) const {
  auto it = by_source_.find(source + "\t" + table);
  return it == by_source_.end() ? nullptr : &nodes[it->second];
}

}  // namespace pond::project
