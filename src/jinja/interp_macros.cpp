// Macros and call-block callers as values: closures, argument binding and calls.
#include <algorithm>
#include <cstdint>
#include <new>
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
    check_alive();
    return static_cast<Interp*>(args.render)->call_macro(def_, ast_, *closure_, args, direct);
  }
  void check_alive() const {
    // expired() instead of lock(): the render holds the root while it runs, so checking is enough.
    if (closure_->parent && root_.expired())
      throw TemplateError(ErrorKind::kRuntime,
                          "macro '" + def_.name + "' outlived the render or module that defined it");
  }
  const MacroDef& def() const { return def_; }
  const std::shared_ptr<const TemplateAst>& ast() const { return ast_; }
  Scope& closure() const { return *closure_; }
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

namespace {

// Which parameters a call gave (the others take their defaults): one word for the usual few
// parameters, more only for a macro with over 64.
class GivenParams {
 public:
  explicit GivenParams(std::size_t nparams) {
    if (nparams > 64) more_.resize((nparams + 63) / 64 - 1, 0);
  }
  void set(std::size_t i) {
    if (i < 64)
      first_ |= std::uint64_t{1} << i;
    else
      more_[i / 64 - 1] |= std::uint64_t{1} << (i % 64);
  }
  bool test(std::size_t i) const { return ((i < 64 ? first_ : more_[i / 64 - 1]) >> (i % 64)) & 1; }
  // Where to start looking for parameters to default (everything before is given).
  std::size_t first_not_given() const {
    return first_ == ~std::uint64_t{0} ? 64 : static_cast<std::size_t>(__builtin_ctzll(~first_));
  }
  // The first n (n <= 64) given: a call's positional arguments.
  void set_first(std::size_t n) { first_ = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1; }

 private:
  std::uint64_t first_ = 0;
  std::vector<std::uint64_t> more_;
};

}  // namespace

[[noreturn]] static void fail_depth(const Limits& limits) {
  throw TemplateError(ErrorKind::kLimit,
                      "maximum recursion depth exceeded (" + std::to_string(limits.max_depth) + ")");
}

// The second half of every macro call, once the given arguments are bound in `local`: defaults
// (evaluated in the macro's scope, left to right), the special names, then the body.
template <class Given>
[[gnu::always_inline]] inline Value finish_call(Interp& in, const MacroDef& def, Scope& local,
                                                const Given& given, const Value* caller, Value* kwargs,
                                                Value* varargs, bool direct) {
  const std::size_t nparams = def.params.size();
  const std::size_t first_default = nparams - def.defaults.size();
  for (std::size_t i = given.first_not_given(); i < nparams; ++i) {
    if (given.test(i)) continue;
    if (i >= first_default)
      local.vars[i].value = in.eval(*def.defaults[i - first_default], local);
    else
      local.vars[i].value = Value::undefined("parameter '" + def.params[i] + "' was not provided");
  }
  if (def.uses_caller && !def.has_caller_param)
    local.set(name_hash(kCallerName), kCallerName, caller ? *caller : Value::undefined("No caller defined"));
  if (kwargs) local.set(name_hash(kKwargsName), kKwargsName, std::move(*kwargs));
  if (varargs) local.set(name_hash(kVarargsName), kVarargsName, std::move(*varargs));
  // A return() inside a {% call %} block's body leaves the macro that wrote the block, not the
  // caller() that renders the body (dbt catches it only at its macros' calls).
  if (def.is_caller) {
    if (!direct) return Value(in.capture(def.body, local));
    in.exec(def.body, local);
    return Value();
  }
  if (direct) {
    // A return() discards what the macro printed so far, as the captured form would.
    std::size_t mark = in.out().size();
    try {
      in.exec(def.body, local);
    } catch (MacroReturn& r) {
      in.out().resize(mark);
      r.value.append_str(in.out());
      in.check_output();
    }
    return Value();
  }
  try {
    return Value(in.capture(def.body, local));
  } catch (MacroReturn& r) {
    return std::move(r.value);
  }
}

Value Interp::call_macro(const MacroDef& def, const std::shared_ptr<const TemplateAst>& ast, Scope& closure,
                         CallArgs& args, bool direct) {
  if (depth_ >= limits().max_depth) fail_depth(limits());
  PooledScope pooled_local(*this, &closure);
  Scope& local = pooled_local.scope;
  std::size_t nparams = def.params.size();
  GivenParams given(nparams);
  local.vars.reserve(nparams + 3);
  for (std::size_t i = 0; i < nparams; ++i)
    local.vars.push_back(Var{def.param_hashes[i], def.param_names[i], Value()});
  std::size_t npos = std::min(args.args.size(), nparams);
  for (std::size_t i = 0; i < npos; ++i) {
    local.vars[i].value = args.args[i];
    given.set(i);
  }
  Value kwargs = def.uses_kwargs ? Value::dict() : Value();
  Value caller;
  bool have_caller = false;
  for (auto& [k, v] : args.kwargs) {
    bool matched = false;
    for (std::size_t i = npos; i < nparams; ++i) {
      if (def.params[i] == k) {
        local.vars[i].value = v;
        given.set(i);
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
  Value varargs;
  if (def.uses_varargs) {
    std::vector<Value> extra;
    for (std::size_t i = nparams; i < args.args.size(); ++i) extra.push_back(args.args[i]);
    varargs = Value::tuple(std::move(extra));
  }
  MacroFrame frame(*this, ast);
  return finish_call(*this, def, local, given, have_caller ? &caller : nullptr,
                     def.uses_kwargs ? &kwargs : nullptr, def.uses_varargs ? &varargs : nullptr, direct);
}

bool Interp::call_macro_plain(const Value& fn, const CallArgsExpr& c, Scope& s, const Value* caller,
                              bool direct, Value& result) {
  const CallableObj& callee = *fn.as_callable();
  if (typeid(callee) != typeid(MacroObj)) return false;
  const auto& macro = static_cast<const MacroObj&>(callee);
  const MacroDef& def = macro.def();
  // Anything past binding arguments to parameters (the special names' collection, *args, **kwargs,
  // a caller that is also a parameter) and every misfit call, with its error, go the general way.
  const std::size_t nparams = def.params.size();
  const std::size_t npos = c.positional;
  if (c.dyn_args || c.dyn_kwargs || def.uses_kwargs || def.uses_varargs || nparams > 64 || npos > nparams)
    return false;
  if (caller && (!def.uses_caller || def.has_caller_param)) return false;
  // Each keyword's parameter, found before anything is evaluated.
  std::uint8_t slot[64];
  const std::size_t nargs = c.args.size();
  for (std::size_t j = npos; j < nargs; ++j) {
    const Arg& a = c.args[j];
    std::size_t i = npos;
    while (i < nparams && !(def.param_hashes[i] == a.hash && same_name(def.param_names[i], a.name))) ++i;
    if (i == nparams) return false;
    slot[j - npos] = static_cast<std::uint8_t>(i);
  }
  PooledScope pooled_local(*this, &macro.closure());
  Scope& local = pooled_local.scope;
  local.vars.reserve(nparams + 1);
  // Arguments are evaluated in the caller's scope, in source order, straight into their parameters.
  for (std::size_t j = 0; j < npos; ++j)
    local.vars.push_back(Var{def.param_hashes[j], def.param_names[j], eval(*c.args[j].value, s)});
  for (std::size_t i = npos; i < nparams; ++i)
    local.vars.push_back(Var{def.param_hashes[i], def.param_names[i], Value()});
  GivenParams given(0);
  given.set_first(npos);
  for (std::size_t j = npos; j < nargs; ++j) {
    std::size_t i = slot[j - npos];
    local.vars[i].value = eval(*c.args[j].value, s);
    given.set(i);
  }
  macro.check_alive();
  if (depth_ >= limits().max_depth) fail_depth(limits());
  MacroFrame frame(*this, macro.ast());
  result = with_native_errors(
      [&] { return finish_call(*this, def, local, given, caller, nullptr, nullptr, direct); });
  return true;
}

bool Interp::is_macro(const Value& v) {
  return v.kind() == Kind::kCallable && typeid(*v.as_callable()) == typeid(MacroObj);
}

Value Interp::call_macro_value(const Value& macro, CallArgs& args, bool direct) {
  return static_cast<const MacroObj*>(macro.as_callable())->run(args, direct);
}

}  // namespace pond::jinja
