#pragma once
// Jinja in configuration files as dbt renders it: dbt_project.yml's config values (with
// `target`, `env_var` and `var` of the --vars only, as dbt's TargetContext) and profiles.yml's
// values of the selected output (env_var, var), natively: "{{ var('x', false) }}" is a bool.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "project/manifest.hpp"

namespace pond::jinja {
class Environment;
}

namespace pond::compile {

class ConfigRenderer {
 public:
  // `target`: the target `target` names in templates (none for profiles.yml).
  ConfigRenderer(const project::TargetInfo* target, nlohmann::json cli_vars);
  ~ConfigRenderer();
  ConfigRenderer(const ConfigRenderer&) = delete;
  ConfigRenderer& operator=(const ConfigRenderer&) = delete;

  // A string with Jinja rendered natively (strings without {{ or {% are returned as they are);
  // `where` names the value in errors ("dbt_project.yml: models.x.+enabled").
  nlohmann::json render(const std::string& text, const std::string& where) const;
  // dbt_project.yml's config trees: every string value except pre-hook/post-hook (rendered
  // when the node runs, as dbt does).
  void render_tree(nlohmann::json& tree, const std::string& where) const;

 private:
  std::unique_ptr<jinja::Environment> env_;
};

}  // namespace pond::compile
