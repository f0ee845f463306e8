// `pond ls`: the nodes a selection picks, as dbt ls prints them.
#include <iostream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "dbt/project.hpp"
#include "dbt/tasks.hpp"
#include "project/manifest_json.hpp"

namespace pond::dbt {

namespace {

std::string selector_form(const project::Node& n) {
  using project::ResourceType;
  std::string fqn;
  for (std::size_t i = 0; i < n.fqn.size(); ++i) fqn += (i ? "." : "") + n.fqn[i];
  if (n.resource_type == ResourceType::kSource)
    return "source:" + n.package_name + "." + n.source_name + "." + n.name;
  if (n.resource_type == ResourceType::kExposure) return "exposure:" + n.package_name + "." + n.name;
  return fqn;
}

}  // namespace

int ls_task(TaskContext& ctx, const LsOptions& options, std::ostream& out) {
  static const std::vector<std::string> kAllowedKeys{
      "alias",  "name",          "package_name", "depends_on",         "tags",
      "config", "resource_type", "source_name",  "original_file_path", "unique_id"};
  for (const auto& k : options.output_keys) {
    if (std::find(kAllowedKeys.begin(), kAllowedKeys.end(), k) == kAllowedKeys.end()) {
      std::string guess = closest_match(k, kAllowedKeys);
      throw UserError("--output-keys: unknown key '" + k + "'",
                      guess.empty()
                          ? "keys: alias, name, package_name, depends_on, tags, config, resource_type, "
                            "source_name, original_file_path, unique_id"
                          : "did you mean '" + guess + "'?");
    }
  }
  auto p = load_project(ctx.options, options.vars, "ls");
  std::vector<std::size_t> selected = select(*p, options.selection);
  std::string text;
  for (std::size_t i : selected) {
    const project::Node& n = p->manifest.nodes[i];
    if (options.output == "name") {
      text += n.resource_type == project::ResourceType::kSource ? n.source_name + "." + n.name : n.name;
    } else if (options.output == "path") {
      text += n.original_file_path;
    } else if (options.output == "json") {
      nlohmann::ordered_json full = project::node_json(n);
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      const auto& keys = options.output_keys.empty() ? kAllowedKeys : options.output_keys;
      for (const auto& [k, v] : full.items())
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) j[k] = v;
      text += j.dump();
    } else {
      text += selector_form(n);
    }
    text += '\n';
  }
  out << text;
  if (selected.empty()) log::warn_event("NoNodesForSelectionCriteria", "No nodes selected!");
  return 0;
}

}  // namespace pond::dbt
