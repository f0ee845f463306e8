#pragma once
// adapter.dispatch(macro_name, macro_namespace) as dbt resolves it: the packages to search
// come from `dispatch:` in dbt_project.yml (search_order for the namespace), else the root
// project then the namespace when it is an installed package or 'dbt', else the current namespace;
// in each, `duckdb__<name>` before `default__<name>`.
#include <functional>
#include <map>
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
  std::string repr() const override { return "<macro namespace>"; }

 private:
  std::map<std::string, jinja::Value, std::less<>> macros_;
};

// Package names to search for `macro_namespace`; an empty string stands for the flat
// namespace the calling template sees.
std::vector<std::string> dispatch_search_packages(const project::Manifest& manifest,
                                                  const std::string& macro_namespace);

// The macro to call; throws a TemplateError listing every name tried when none exists.
jinja::Value dispatch_macro(const project::Manifest& manifest, jinja::RenderState& render,
                            const std::string& macro_name, const std::string& macro_namespace);

}  // namespace pond::compile
