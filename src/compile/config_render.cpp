#include "compile/config_render.hpp"

#include "common/error.hpp"
#include "compile/base_context.hpp"
#include "compile/values.hpp"
#include "jinja/environment.hpp"
#include "jinja/error.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

ConfigRenderer::ConfigRenderer(const project::TargetInfo* target, nlohmann::json cli_vars)
    : env_(std::make_unique<jinja::Environment>()) {
  install_base_context(*env_, {});
  env_->add_function("var", [vars = std::move(cli_vars)](CallArgs& a) {
    std::string name = arg_str(a, 0, "name");
    if (auto it = vars.find(name); vars.is_object() && it != vars.end()) return to_value(*it);
    if (a.args.size() > 1 || a.kwarg("default")) return a.get(1, "default");
    compiler_error("Required var '" + name +
                   "' not found in config:\nVars supplied to <Configuration> = " + vars.dump());
  });
  if (target) {
    Value t = make_dict({{"name", Value(target->name)},
                         {"target_name", Value(target->name)},
                         {"profile_name", Value(target->profile_name)},
                         {"type", Value(target->type)},
                         {"schema", Value(target->schema)},
                         {"database", Value(target->database)},
                         {"threads", Value(static_cast<std::int64_t>(target->threads))}});
    if (!target->path.empty()) t.as_dict().set(Value("path"), Value(target->path));
    for (const auto& [k, v] : target->extra)
      if (!t.as_dict().find_str(k)) t.as_dict().set(Value(k), Value(v));
    env_->add_global("target", t);
  }
}

ConfigRenderer::~ConfigRenderer() = default;

nlohmann::json ConfigRenderer::render(const std::string& text, const std::string& where) const {
  if (text.find("{{") == std::string::npos && text.find("{%") == std::string::npos) return text;
  try {
    Value v = env_->from_string(text, where)->render_native();
    return v.is_undefined() ? nlohmann::json(nullptr) : to_json(v);
  } catch (const jinja::TemplateError& e) {
    throw UserError(SourceLocation{where}, "Could not render " + text + ": " + e.message(),
                    "dbt renders these values with target, env_var() and the --vars only");
  } catch (const jinja::MacroReturn& r) {
    return to_json(r.value);
  }
}

void ConfigRenderer::render_tree(nlohmann::json& tree, const std::string& where) const {
  if (tree.is_object()) {
    for (auto& [k, v] : tree.items()) {
      std::string key = k;
      while (!key.empty() && (key[0] == '+' || key[0] == ' ')) key.erase(0, 1);
      if (key == "pre-hook" || key == "post-hook" || key == "pre_hook" || key == "post_hook") continue;
      render_tree(v, where + "." + k);
    }
  } else if (tree.is_array()) {
    for (std::size_t i = 0; i < tree.size(); ++i) render_tree(tree[i], where + "[" + std::to_string(i) + "]");
  } else if (tree.is_string()) {
    tree = render(tree.get_ref<const std::string&>(), where);
  }
}

}  // namespace pond::compile
