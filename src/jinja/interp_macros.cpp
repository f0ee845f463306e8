// Macros and call-block callers as values: closures, argument binding and calls.
#include <algorithm>
#include <typeinfo>

#include "jinja/interp.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

namespace {

// A macro or call-block caller as a template value.
// The closure holds copies of the enclosing non-top-level variables; the template's top level is
// referenced weakly (it holds the macro, so a strong reference would be a cycle) and must still
// exist when the macro is called.
class MacroObj final : public CallableObj {
 public:
  MacroObj(const MacroDef& def, std::shared_ptr<const TemplateAst> ast, std::shared_ptr<Scope> closure,
           std::weak_ptr<Scope> root)
      : def_(def), ast_(std::move(ast)), closure_(std::move(closure)), root_(std::move(root)) {}
  Value call(CallArgs& args) const override { return run(args, false); }
  // Runs the macro; with `direct` its output goes straight to the render's output.
  Value run(CallArgs& args, bool direct) const {
    if (!args.render)
      throw TemplateError(ErrorKind::kRuntime, "macro '" + def_.name + "' called outside a render");
    // expired() instead of lock(): the render holds the root while it runs, so checking is enough.
    if (closure_->parent && root_.expired())
      throw TemplateError(ErrorKind::kRuntime,
                          "macro '" + def_.name + "' outlived the render or module that defined it");
    return static_cast<Interp*>(args.render)->call_macro(def_, ast_, *closure_, args, direct);
  }
  std::string repr() const override {
    return def_.is_caller ? "<Macro None>" : "<Macro '" + def_.name + "'>";
  }
  Value get_attr(std::string_view n) const override {
    if (n == "name") return def_.is_caller ? Value::none() : Value(def_.name);
    if (n == "arguments") {
      std::vector<Value> names;
      for (const auto& p : def_.params) names.emplace_back(p);
      return Value::tuple(std::move(names));
    }
    if (n == "catch_kwargs") return Value(def_.uses_kwargs);
    if (n == "catch_varargs") return Value(def_.uses_varargs);
    if (n == "caller") return Value(def_.uses_caller);
    return Value();
  }
  void for_each_child(const std::function<void(const Value&)>& fn) const override {
    for (const auto& v : closure_->vars) fn(v.value);
  }
  void clear_children() override { closure_->vars.clear(); }

 private:
  const MacroDef& def_;
  std::shared_ptr<const TemplateAst> ast_;
  std::shared_ptr<Scope> closure_;
  std::weak_ptr<Scope> root_;
};

}  // namespace

std::shared_ptr<Scope> Interp::snapshot(Scope& s) {
  // Inner scopes are copied (innermost wins); the top level stays shared (late binding, as
  // Python closures over module globals).
  auto snap = std::make_shared<Scope>();
  Scope* p = &s;
  while (p && !p->is_root) {
    for (const auto& v : p->vars)
      if (!snap->find(v.hash, v.name)) snap->vars.push_back(v);
    p = p->parent;
  }
  snap->parent = p;
  return snap;
}

Value Interp::make_macro(const MacroDef& def, Scope& s) {
  std::shared_ptr<Scope> closure = snapshot(s);
  std::weak_ptr<Scope> root;
  if (closure->parent) root = closure->parent->weak_from_this();
  return Value::callable(std::make_shared<MacroObj>(def, *ast_, std::move(closure), std::move(root)));
}

Value Interp::call_macro(const MacroDef& def, const std::shared_ptr<const TemplateAst>& ast, Scope& closure,
                         CallArgs& args, bool direct) {
  if (depth_ >= limits().max_depth)
    throw TemplateError(ErrorKind::kLimit,
                        "maximum recursion depth exceeded (" + std::to_string(limits().max_depth) + ")");
  PooledScope pooled_local(*this, &closure);
  Scope& local = pooled_local.scope;
  std::size_t nparams = def.params.size();
  bool given_small[32] = {};
  std::vector<bool> given_big(nparams > 32 ? nparams : 0, false);
  auto given = [&](std::size_t i) -> bool {
    return nparams > 32 ? static_cast<bool>(given_big[i]) : given_small[i];
  };
  auto set_given = [&](std::size_t i) {
    if (nparams > 32)
      given_big[i] = true;
    else
      given_small[i] = true;
  };
  local.vars.reserve(nparams + 3);
  for (std::size_t i = 0; i < nparams; ++i)
    local.vars.push_back(Var{def.param_hashes[i], def.param_names[i], Value()});
  std::size_t npos = std::min(args.args.size(), nparams);
  for (std::size_t i = 0; i < npos; ++i) {
    local.vars[i].value = args.args[i];
    set_given(i);
  }
  Value kwargs = def.uses_kwargs ? Value::dict() : Value();
  Value caller;
  bool have_caller = false;
  for (auto& [k, v] : args.kwargs) {
    bool matched = false;
    for (std::size_t i = npos; i < nparams; ++i) {
      if (def.params[i] == k) {
        local.vars[i].value = v;
        set_given(i);
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (k == "caller" && def.uses_caller) {
      caller = v;
      have_caller = true;
      continue;
    }
    if (def.uses_kwargs) {
      kwargs.as_dict().set(Value(k), v);
      continue;
    }
    if (k == "caller")
      throw TemplateError(
          ErrorKind::kType,
          "macro '" + def.name +
              "' was invoked with two values for the special caller argument. This is most likely a bug.");
    throw TemplateError(ErrorKind::kType, "macro '" + def.name + "' takes no keyword argument '" + k + "'");
  }
  if (args.args.size() > nparams && !def.uses_varargs)
    throw TemplateError(ErrorKind::kType,
                        "macro " + (def.is_caller ? std::string("None") : "'" + def.name + "'") +
                            " takes not more than " + std::to_string(nparams) + " argument(s)");
  const std::shared_ptr<const TemplateAst>* saved_ast = ast_;
  ast_ = &ast;
  ++depth_;
  struct Restore {
    Interp* self;
    const std::shared_ptr<const TemplateAst>* saved;
    ~Restore() {
      self->ast_ = saved;
      --self->depth_;
    }
  } restore{this, saved_ast};
  // Defaults are evaluated in the macro's scope, left to right.
  std::size_t first_default = nparams - def.defaults.size();
  for (std::size_t i = 0; i < nparams; ++i) {
    if (given(i)) continue;
    if (i >= first_default)
      local.vars[i].value = eval(*def.defaults[i - first_default], local);
    else
      local.vars[i].value = Value::undefined("parameter '" + def.params[i] + "' was not provided");
  }
  if (def.uses_caller && !def.has_caller_param)
    local.set(name_hash(kCallerName), kCallerName,
              have_caller ? caller : Value::undefined("No caller defined"));
  if (def.uses_kwargs) local.set(name_hash(kKwargsName), kKwargsName, kwargs);
  if (def.uses_varargs) {
    std::vector<Value> extra;
    for (std::size_t i = nparams; i < args.args.size(); ++i) extra.push_back(args.args[i]);
    local.set(name_hash(kVarargsName), kVarargsName, Value::tuple(std::move(extra)));
  }
  if (direct) {
    // A return() discards what the macro printed so far, as the captured form would.
    std::size_t mark = out_->size();
    try {
      exec(def.body, local);
    } catch (MacroReturn& r) {
      out_->resize(mark);
      r.value.append_str(*out_);
      check_output();
    }
    return Value();
  }
  try {
    return Value(capture(def.body, local));
  } catch (MacroReturn& r) {
    return std::move(r.value);
  }
}

bool Interp::is_macro(const Value& v) {
  return v.kind() == Kind::kCallable && typeid(*v.as_callable()) == typeid(MacroObj);
}

Value Interp::call_macro_value(const Value& macro, CallArgs& args, bool direct) {
  return static_cast<const MacroObj*>(macro.as_callable())->run(args, direct);
}

}  // namespace pond::jinja
