#pragma once
// dbt's macro namespace and adapter.dispatch. Every macro is registered under its name, '_'-prefixed
// ones too. A node in package P sees, in this order: P's macros, the root project's, the package
// namespaces (`dbt_utils.x`), `dbt` (dbt's and dbt-duckdb's built-in macros), then the built-ins by
// name. The environment's globals hold the root project's view; a node of another package renders
// with that package's macros as a layer over them (MacroRegistry::layer_for).
//
// adapter.dispatch(macro_name, macro_namespace) searches as dbt does: the `dispatch:` entry of
// dbt_project.yml for the namespace (search_order), else the root project then the namespace when it
// is an installed package (or `dbt`), else the names the caller sees; in each, `duckdb__<name>`
// before `default__<name>`.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/environment.hpp"
#include "project/manifest.hpp"

namespace pond::compile {

// A package's macros as `<package>.<macro>` (dbt's namespace object). Not a dict, so a macro
// named like a dict method (`items`, `get`) still resolves.
class MacroNamespace final : public jinja::NativeObject {
 public:
  void add(const std::string& name, jinja::Value macro) { macros_[name] = std::move(macro); }
  jinja::Value get_attr(std::string_view name) const override;
  const jinja::Value* find(std::string_view name) const;
  std::string repr() const override { return "<macro namespace>"; }
  std::string type_name() const override { return "MacroNamespace"; }

 private:
  std::map<std::string, jinja::Value, std::less<>> macros_;
};

// The project's macros by package.
struct MacroRegistry {
  std::shared_ptr<MacroNamespace> internal = std::make_shared<MacroNamespace>();  // `dbt`
  std::map<std::string, std::shared_ptr<MacroNamespace>, std::less<>> packages;   // root included
  std::map<std::string, jinja::Globals, std::less<>> layers;  // packages other than the root

  // The names a node of `package` sees over the globals (nullptr for the root project).
  const jinja::Globals* layer_for(std::string_view package) const;
  // A macro of `package` ("dbt" for the built-ins); nullptr when there is none.
  const jinja::Value* find(std::string_view package, std::string_view name) const;
};

// Package names to search for `macro_namespace`; an empty string stands for the names the
// calling template sees.
std::vector<std::string> dispatch_search_packages(const project::Manifest& manifest,
                                                  const std::string& macro_namespace);

// The macro to call; throws a TemplateError listing every name tried when none exists.
jinja::Value dispatch_macro(const project::Manifest& manifest, const MacroRegistry& registry,
                            jinja::RenderState& render, const std::string& macro_name,
                            const std::string& macro_namespace);

}  // namespace pond::compile
