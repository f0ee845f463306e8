#include "compile/unit_test_overrides.hpp"

#include <map>
#include <memory>

#include "common/error.hpp"
#include "compile/dispatch.hpp"
#include "compile/values.hpp"

namespace pond::compile {

using jinja::Value;

namespace {

// A package's macros with some of them replaced; every other name reads through to the package.
class OverriddenNamespace final : public jinja::NativeObject {
 public:
  explicit OverriddenNamespace(Value base) : base_(std::move(base)) {}
  void set(const std::string& name, Value v) { overrides_[name] = std::move(v); }
  Value get_attr(std::string_view name) const override {
    if (auto it = overrides_.find(name); it != overrides_.end()) return it->second;
    return base_.is_object() ? base_.as_object()->get_attr(name) : Value();
  }
  std::string repr() const override { return "<macro namespace>"; }
  std::string type_name() const override { return "MacroNamespace"; }
  void for_each_child(const std::function<void(const Value&)>& fn) const override {
    fn(base_);
    for (const auto& [k, v] : overrides_) fn(v);
  }

 private:
  Value base_;
  std::map<std::string, Value, std::less<>> overrides_;
};

// What replaces `original`: a function answering `value` whatever its arguments when the
// original is callable (dbt's UnitTestMacroGenerator), the value itself otherwise.
Value replacement(const std::string& name, const Value& original, const nlohmann::json& value) {
  Value v = to_value(value);
  if (original.kind() != jinja::Kind::kCallable) return v;
  return Value::function(name, [v](jinja::CallArgs&) { return v; });
}

// The namespace value `package` in `vars`, made overridable (created once per render).
OverriddenNamespace& overridable(Value& vars, const std::string& package, const Value& base) {
  auto& d = vars.as_dict();
  if (const Value* cur = d.find_str(package); cur && cur->is_object())
    if (auto* o = dynamic_cast<OverriddenNamespace*>(cur->as_object())) return *o;
  auto ns = std::make_shared<OverriddenNamespace>(base);
  OverriddenNamespace& ref = *ns;
  d.set(Value(package), Value::object(std::move(ns)));
  return ref;
}

}  // namespace

void apply_macro_overrides(Value& vars, const nlohmann::json& overrides, const MacroRegistry& registry,
                           const jinja::Globals* layer, const jinja::Environment& env,
                           const std::string& where) {
  auto seen = [&](std::string_view name) -> const Value* {
    if (const Value* v = vars.as_dict().find_str(name)) return v;
    if (layer)
      if (auto it = layer->find(name); it != layer->end()) return &it->second;
    return env.find_global(name);
  };
  for (const auto& [key, value] : overrides.items()) {
    auto dot = key.find('.');
    if (dot == std::string::npos) {
      const Value* original = seen(key);
      if (!original || original->is_undefined())
        throw UserError(where + ": overrides: macros: '" + key +
                        "' is neither a macro nor a member of dbt's context (hint: a package's macro is "
                        "written 'package.macro')");
      Value r = replacement(key, *original, value);
      vars.as_dict().set(Value(key), r);
      // As dbt: overriding a built-in by its global name overrides `dbt.<name>` too.
      if (const Value* builtin = registry.internal->find(key))
        overridable(vars, "dbt", Value::object(registry.internal))
            .set(key, replacement(key, *builtin, value));
      continue;
    }
    std::string package = key.substr(0, dot), name = key.substr(dot + 1);
    const Value* original = registry.find(package, name);
    if (!original)
      throw UserError(where + ": overrides: macros: '" + key + "': package '" + package + "' has no macro '" +
                      name + "'");
    const Value* ns = seen(package);
    Value r = replacement(name, *original, value);
    overridable(vars, package, ns ? *ns : Value()).set(name, r);
    // As dbt: overriding `dbt.<name>` overrides the global name too.
    if (package == "dbt") vars.as_dict().set(Value(name), r);
  }
}

}  // namespace pond::compile
