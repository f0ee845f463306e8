#include "project/resolve.hpp"

#include <algorithm>
#include <cctype>

#include "common/error.hpp"
#include "common/text.hpp"

namespace pond::project {

namespace {

std::vector<std::string> ref_candidates(const Manifest& m) {
  std::vector<std::string> names;
  for (const auto& n : m.nodes)
    if (n.resource_type == ResourceType::kModel || n.resource_type == ResourceType::kSeed ||
        n.resource_type == ResourceType::kSnapshot)
      names.push_back(n.name);
  return names;
}

std::string describe(const Node& n) {
  std::string type(to_string(n.resource_type));
  std::replace(type.begin(), type.end(), '_', ' ');  // "semantic model"
  type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
  return type + " '" + n.unique_id + "' (" + n.original_file_path + ")";
}

}  // namespace

void resolve_node_dependencies(const Manifest& m, Node& n) {
  // A metric's and a saved query's dependencies are names of the semantic layer, resolved by
  // resolve_semantic_layer; here they are only checked to still exist.
  if (n.resource_type == ResourceType::kMetric || n.resource_type == ResourceType::kSavedQuery) {
    for (const auto& d : n.depends_on_nodes)
      if (!m.find(d))
        throw UserError(SourceLocation{m.display_path(n.package_name, n.original_file_path), 0, 0},
                        describe(n) + " depends on '" + d + "' which is disabled",
                        "enable it or remove the reference");
    return;
  }
  std::vector<std::string> deps;
  auto add = [&](const std::string& id) {
    if (std::find(deps.begin(), deps.end(), id) == deps.end()) deps.push_back(id);
  };
  for (const auto& r : n.refs) {
    const Node* target = m.resolve_ref(r.package, r.name, n.package_name);
    if (!target) {
      std::string shown = r.package.empty() ? r.name : r.package + "." + r.name;
      SourceLocation where{m.display_path(n.package_name, n.original_file_path), r.line, 0};
      for (const auto& d : m.disabled) {
        if (d.name == r.name)
          throw UserError(where, describe(n) + " depends on a node named '" + shown + "' which is disabled",
                          "enable " + d.unique_id + " or remove the ref()");
      }
      std::vector<std::string> names = ref_candidates(m);
      std::string guess = closest_match(r.name, names);
      throw UserError(
          where, describe(n) + " depends on a node named '" + shown + "' which was not found",
          guess.empty() ? "check the name in ref('" + shown + "')" : "did you mean '" + guess + "'?");
    }
    add(target->unique_id);
  }
  for (const auto& s : n.sources) {
    const Node* target = m.resolve_source(s.source, s.table);
    if (!target) {
      std::vector<std::string> names;
      for (const auto& c : m.nodes)
        if (c.resource_type == ResourceType::kSource) names.push_back(c.source_name + "." + c.name);
      std::string guess = closest_match(s.source + "." + s.table, names);
      throw UserError(
          SourceLocation{m.display_path(n.package_name, n.original_file_path), s.line, 0},
          describe(n) + " depends on a source named '" + s.source + "." + s.table + "' which was not found",
          guess.empty() ? "declare it under 'sources:' in a schema YAML file"
                        : "did you mean '" + guess + "'?");
    }
    add(target->unique_id);
  }
  n.depends_on_nodes = std::move(deps);
  n.unresolved_calls.clear();
  n.depends_on_macros = resolve_macro_calls(m, n.depends_on_macros, n.package_name, &n.unresolved_calls);
}

std::vector<std::string> resolve_macro_calls(const Manifest& m, const std::vector<std::string>& calls,
                                             const std::string& package,
                                             std::vector<std::string>* unresolved) {
  static const std::vector<std::string> builtins{
      "test_not_null",      "test_unique",          "test_accepted_values", "test_relationships",
      "get_where_subquery", "generate_schema_name", "generate_alias_name",  "generate_database_name",
      "is_incremental"};
  std::vector<std::string> out;
  for (const auto& c : calls) {
    std::string id;
    if (auto dot = c.find('.'); dot != std::string::npos) {
      std::string pkg = c.substr(0, dot);
      if (m.find_macro("macro." + c)) id = "macro." + c;
    } else if (!package.empty() && package != m.project.name && m.find_macro("macro." + package + "." + c)) {
      id = "macro." + package + "." + c;
    } else if (m.find_macro("macro." + m.project.name + "." + c)) {
      id = "macro." + m.project.name + "." + c;
    } else if (std::find(builtins.begin(), builtins.end(), c) != builtins.end()) {
      id = "macro.dbt." + c;
    }
    if (id.empty() && unresolved && c.rfind("macro.", 0) != 0 &&
        std::find(unresolved->begin(), unresolved->end(), c) == unresolved->end())
      unresolved->push_back(c);
    if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

}  // namespace pond::project
