#include "compile/dispatch.hpp"

#include <algorithm>

#include "jinja/error.hpp"

namespace pond::compile {

using jinja::Value;

Value MacroNamespace::get_attr(std::string_view name) const {
  auto it = macros_.find(name);
  return it == macros_.end() ? Value() : it->second;
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
  bool installed = std::any_of(m.packages.begin(), m.packages.end(),
                               [&](const project::ProjectFile& p) { return p.name == ns; });
  if (installed) return {m.project.name, ns};
  // dbt's own macros: the root project first, then dbt's (a package's duckdb__/default__ takes
  // part only when `dispatch:` lists it, as in dbt).
  if (ns == "dbt") return {m.project.name, "dbt"};
  return {""};
}

Value dispatch_macro(const project::Manifest& m, jinja::RenderState& render, const std::string& macro,
                     const std::string& ns) {
  std::vector<std::string> tried;
  for (const auto& package : dispatch_search_packages(m, ns)) {
    // A package's macros are a global MacroNamespace named after it (compiler.cpp installs them).
    Value scope = package.empty() ? Value::none() : render.lookup(package);
    for (const char* prefix : {"duckdb__", "default__"}) {
      std::string name = prefix + macro;
      Value found;
      if (package.empty()) {
        found = render.lookup(name);
      } else if (scope.is_object()) {
        found = scope.as_object()->get_attr(name);
      }
      if (found.is_callable()) return found;
      tried.push_back("'" + (package.empty() ? name : package + "." + name) + "'");
    }
  }
  std::string searched;
  for (const auto& t : tried) searched += (searched.empty() ? "" : ", ") + t;
  throw jinja::TemplateError(jinja::ErrorKind::kRuntime, "In dispatch: No macro named '" + macro +
                                                             "' found within namespace: '" + ns +
                                                             "'\n    Searched for: " + searched);
}

}  // namespace pond::compile
