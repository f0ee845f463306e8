#include "project/vars.hpp"

#include <yaml-cpp/yaml.h>

#include "common/error.hpp"
#include "project/manifest.hpp"
#include "project/yaml_file.hpp"
#include "project/yaml_json.hpp"

namespace pond::project {

nlohmann::json parse_cli_vars(const std::string& text) {
  if (text.empty()) return nlohmann::json::object();
  YamlFile file = YamlFile::parse(text, "--vars");
  if (file.root().IsNull()) return nlohmann::json::object();
  if (!file.root().IsMap())
    throw UserError("--vars must be a mapping, e.g. --vars '{start_date: 2026-01-01}'");
  return yaml_to_json(file.root());
}

const nlohmann::json* lookup_var(const Manifest& m, const std::string& package, const std::string& name) {
  if (auto it = m.vars.find(name); it != m.vars.end()) return &*it;
  const nlohmann::json& pv = m.project.vars;
  if (auto scope = pv.find(package); scope != pv.end() && scope->is_object()) {
    if (auto it = scope->find(name); it != scope->end()) return &*it;
  }
  if (auto it = pv.find(name); it != pv.end()) return &*it;
  // Lowest: the package's own dbt_project.yml (its global vars and those scoped to it).
  if (const ProjectFile* own = package == m.project.name ? nullptr : m.package_file(package)) {
    if (auto scope = own->vars.find(package); scope != own->vars.end() && scope->is_object())
      if (auto it = scope->find(name); it != scope->end()) return &*it;
    if (auto it = own->vars.find(name); it != own->vars.end()) return &*it;
  }
  return nullptr;
}

}  // namespace pond::project
