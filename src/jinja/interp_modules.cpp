// include, import and from-import: loading templates and turning their top level into modules.
#include <typeinfo>

#include "jinja/interp.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

namespace {

// A template imported with `import ... as name`: its exported names as attributes.
class ModuleObj final : public NativeObject {
 public:
  ModuleObj(std::string name, Value exports, std::string body, std::shared_ptr<const void> owner)
      : name_(std::move(name)),
        exports_(std::move(exports)),
        body_(std::move(body)),
        owner_(std::move(owner)) {}
  Value get_attr(std::string_view n) const override {
    if (const Value* v = exports_.as_dict().find_str(n)) return *v;
    return Value::undefined("'" + repr_name() + "' has no attribute '" + std::string(n) + "'");
  }
  std::string str() const override { return body_; }
  std::string repr() const override { return "<Module '" + name_ + "'>"; }
  void for_each_child(const std::function<void(const Value&)>& fn) const override {
    for (const auto& [k, v] : exports_.as_dict().entries()) fn(v);
  }
  std::string type_name() const override { return "TemplateModule"; }
  std::string repr_name() const { return "jinja2.runtime.TemplateModule object"; }

 private:
  std::string name_;
  Value exports_;
  std::string body_;
  std::shared_ptr<const void> owner_;  // keeps the module's top level (and so its macros) alive
};

}  // namespace

void Interp::exec_include(const IncludeStmt& st, Scope& s) {
  std::shared_ptr<const Template> t = load(eval(*st.tmpl, s), st.ignore_missing);
  if (!t) return;
  if (depth_ >= limits().max_depth)
    throw TemplateError(ErrorKind::kLimit,
                        "maximum recursion depth exceeded (" + std::to_string(limits().max_depth) + ")");
  ++depth_;
  auto root = std::make_shared<Scope>();
  root->is_root = true;
  root->names_owner = t->ast();
  if (st.with_context) {
    auto snap = snapshot(s);
    root->parent = snap.get();
    root->parent_owner = snap;
  } else {
    root->sees_context = false;
  }
  roots_.push_back(root);
  try {
    render_template(t->ast(), *root);
  } catch (...) {
    --depth_;
    throw;
  }
  --depth_;
}

std::shared_ptr<const Template> Interp::load(const Value& name, bool ignore_missing) {
  if (name.is_sequence_like()) {
    for (const auto& n : name.items()) {
      if (auto t = load(n, true)) return t;
    }
    if (ignore_missing) return nullptr;
    std::string names;
    for (const auto& n : name.items()) names += (names.empty() ? "" : ", ") + n.repr();
    throw TemplateError(ErrorKind::kNotFound, "none of the templates given were found: [" + names + "]");
  }
  if (name.is_undefined()) fail_undefined(name);
  try {
    return env_.get_template(name.str());
  } catch (const TemplateError& e) {
    if (e.kind() == ErrorKind::kNotFound && ignore_missing) return nullptr;
    throw;
  }
}

Value Interp::import_module(const Value& name, bool with_context, Scope& s) {
  std::string key = name.str();
  if (!with_context) {
    auto it = modules_.find(key);
    if (it != modules_.end()) return it->second;
  }
  std::shared_ptr<const Template> t = load(name, false);
  if (depth_ >= limits().max_depth)
    throw TemplateError(ErrorKind::kLimit,
                        "maximum recursion depth exceeded (" + std::to_string(limits().max_depth) + ")");
  if (!with_context) {
    std::shared_ptr<const Module> m = t->default_module(depth_ + 1);
    Value mod = Value::object(std::make_shared<ModuleObj>(key, m->exports(), m->output(), m));
    modules_[key] = mod;
    return mod;
  }
  ++depth_;
  auto root = std::make_shared<Scope>();
  root->is_root = true;
  root->names_owner = t->ast();
  root->sees_context = with_context;
  if (with_context) {
    auto snap = snapshot(s);
    root->parent = snap.get();
    root->parent_owner = snap;
  }
  std::string body;
  std::string* saved = out_;
  out_ = &body;
  try {
    render_template(t->ast(), *root);
  } catch (...) {
    out_ = saved;
    --depth_;
    throw;
  }
  out_ = saved;
  --depth_;
  Value exports = Value::dict();
  for (const auto& v : root->vars)
    if (!v.name.empty() && v.name[0] != '_') exports.as_dict().set(Value(v.name), v.value);
  // Macros reference `root` weakly: keep it for the rest of the render.
  roots_.push_back(root);
  Value mod = Value::object(std::make_shared<ModuleObj>(key, exports, std::move(body), root));
  if (!with_context) modules_[key] = mod;
  return mod;
}

bool shareable_across_renders(const Value& v, int depth) {
  if (depth > 64) return false;
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kStr:
      return true;
    case Kind::kTuple:
      for (const auto& item : v.items())
        if (!shareable_across_renders(item, depth + 1)) return false;
      return true;
    case Kind::kCallable: {
      if (!Interp::is_macro(v)) return false;
      bool ok = true;
      v.as_callable()->for_each_child(
          [&](const Value& c) { ok = ok && shareable_across_renders(c, depth + 1); });
      return ok;
    }
    case Kind::kObject: {
      if (typeid(*v.as_object()) != typeid(ModuleObj)) return false;
      bool ok = true;
      v.as_object()->for_each_child(
          [&](const Value& c) { ok = ok && shareable_across_renders(c, depth + 1); });
      return ok;
    }
    default:  // lists, dicts: mutable
      return false;
  }
}

}  // namespace pond::jinja
