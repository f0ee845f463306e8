#include "compile/dispatch.hpp"

#include <algorithm>

#include "jinja/error.hpp"

namespace pond::compile {

using jinja::Value;

Value MacroNamespace::get_attr(std::string_view name) const {
  const Value* v = find(name);
  return v ? *v : Value();
}

const Value* MacroNamespace::find(std::string_view name) const {
  auto it = macros_.find(name);
  return it == macros_.end() ? nullptr : &it->second;
}

const jinja::Globals* MacroRegistry::layer_for(std::string_view package) const {
  auto it = layers.find(package);
  return it == layers.end() ? nullptr : &it->second;
}

const Value* MacroRegistry::find(std::string_view package, std::string_view name) const {
  if (package == "dbt" || package == "dbt_duckdb") return internal->find(name);
  auto it = packages.find(package);
  return it == packages.end() ? nullptr : it->second->find(name);
}

std::vector<std::string> dispatch_search_packages(const project::Manifest& m, const std::string& ns) {
  if (ns.empty()) return {""};
  if (m.project.dispatch.is_array()) {
    for (const auto& entry : m.project.dispatch) {
      if (!entry.is_object() || entry.value("macro_namespace", "") != ns) continue;
      std::vector<std::string> order;
      if (auto it = entry.find("search_order"); it != entry.end() && it->is_array())
        for (const auto& p : *it)
          if (p.is_string()) order.push_back(p.get<std::string>());
      if (!order.empty()) return order;
    }
  }
  // dbt's `dependencies`: the root project, the installed packages and dbt's own (`dbt`, the
  // adapter's `dbt_duckdb`).
  bool dependency = ns == m.project.name || ns == "dbt" || ns == "dbt_duckdb" ||
                    std::any_of(m.packages.begin(), m.packages.end(),
                                [&](const project::ProjectFile& p) { return p.name == ns; });
  if (dependency) return {m.project.name, ns};
  return {""};
}

Value dispatch_macro(const project::Manifest& m, const MacroRegistry& registry, jinja::RenderState& render,
                     const std::string& macro, const std::string& ns) {
  const std::vector<std::string> packages = dispatch_search_packages(m, ns);
  std::string name;
  for (const auto& package : packages) {
    for (const char* prefix : {"duckdb__", "default__"}) {
      name.assign(prefix).append(macro);
      if (package.empty()) {
        Value found = render.lookup(name);
        if (found.is_callable()) return found;
      } else if (const Value* v = registry.find(package, name); v && v->is_callable()) {
        return *v;
      }
    }
  }
  std::string searched;
  for (const auto& package : packages)
    for (const char* prefix : {"duckdb__", "default__"})
      searched += (searched.empty() ? "'" : ", '") + (package.empty() ? "" : package + ".") + prefix + macro + "'";
  throw jinja::TemplateError(jinja::ErrorKind::kRuntime, "In dispatch: No macro named '" + macro +
                                                             "' found within namespace: '" + ns +
                                                             "'\n    Searched for: " + searched);
}

}  // namespace pond::compile
