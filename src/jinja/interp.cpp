#include "jinja/interp.hpp"

#include <chrono>
#include <typeinfo>

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
    std::shared_ptr<Scope> root = root_.lock();
    if (!root && closure_->parent)
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

Interp::Interp(const Environment& env, const Value& vars, std::string& out) : env_(env), out_(&out) {
  vars_ = vars.is_dict() ? vars : Value::dict();
}

void Interp::check_output() const {
  if (out_->size() > limits().max_output)
    throw TemplateError(ErrorKind::kLimit,
                        "output exceeds the limit of " + std::to_string(limits().max_output) + " bytes");
}

void Interp::count_steps(std::uint64_t n) {
  steps_ += n;
  if (limits().max_loop_steps && steps_ > limits().max_loop_steps)
    throw TemplateError(ErrorKind::kLimit,
                        "loop iterations exceed the limit of " + std::to_string(limits().max_loop_steps));
}

void Interp::render_template(const std::shared_ptr<const TemplateAst>& ast, Scope& root) {
  auto saved = ast_;
  ast_ = &ast;
  try {
    exec(ast->body, root);
  } catch (TemplateError& e) {
    if (!e.located()) e.locate(ast->name, 0, 0);
    ast_ = saved;
    throw;
  }
  ast_ = saved;
}

std::string Interp::capture(const Body& body, Scope& s, Flow* flow) {
  // Buffers are reused (their capacity kept) so nested captures do not regrow from nothing; the
  // result is one exact-size copy.
  std::string buf;
  if (!spare_buffers_.empty()) {
    buf = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  std::string* saved = out_;
  out_ = &buf;
  struct Restore {
    Interp* self;
    std::string* saved;
    std::string& buf;
    ~Restore() {
      self->out_ = saved;
      if (buf.capacity() <= (std::size_t{1} << 20) && self->spare_buffers_.size() < 64) {
        buf.clear();
        self->spare_buffers_.push_back(std::move(buf));
      }
    }
  } restore{this, saved, buf};
  Flow f = exec(body, s);
  if (flow) *flow = f;
  return std::string(buf);
}

Flow Interp::exec(const Body& body, Scope& s) {
  Flow flow = Flow::kNormal;
  for (const auto& st : body) {
    if (st->kind == SK::kData) {
      out_->append(static_cast<const DataStmt&>(*st).text);
      continue;
    }
    try {
      exec_stmt_inner(*st, s, flow);
    } catch (TemplateError& e) {
      if (!e.located()) e.locate((*ast_)->name, st->line, st->col);
      throw;
    }
    if (flow != Flow::kNormal) return flow;
  }
  check_output();
  return flow;
}

void Interp::assign(const Target& t, Value v, Scope& s) {
  switch (t.type) {
    case Target::Type::kName:
      s.set(t.hash, t.name, std::move(v));
      return;
    case Target::Type::kAttr: {
      Value ns = lookup_name(t.hash, t.name, s);
      if (!ns.is_object() || !ns.as_object()->set_attr(t.attr, v))
        throw TemplateError(ErrorKind::kRuntime, "cannot assign attribute on non-namespace object",
                            (*ast_)->name, t.line, t.col);
      note_insert(ns, v);
      return;
    }
    case Target::Type::kTuple: {
      std::vector<Value> items = iterate(v);
      if (items.size() != t.items.size()) {
        if (items.size() > t.items.size())
          throw TemplateError(ErrorKind::kValue,
                              "too many values to unpack (expected " + std::to_string(t.items.size()) + ")");
        throw TemplateError(ErrorKind::kValue, "not enough values to unpack (expected " +
                                                   std::to_string(t.items.size()) + ", got " +
                                                   std::to_string(items.size()) + ")");
      }
      for (std::size_t i = 0; i < items.size(); ++i) assign(t.items[i], std::move(items[i]), s);
      return;
    }
  }
}

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

void Interp::note_insert(const Value& container, const Value& item) {
  Kind k = item.kind();
  if (k == Kind::kList || k == Kind::kDict || k == Kind::kObject || k == Kind::kCallable || k == Kind::kTuple)
    cycle_candidates_.push_back(container.heap());
}

Interp::~Interp() {
  break_cycles();
}

std::uint64_t Interp::random() {
  if (rng_ == 0) {
    // Seeded from the clock and this render's address: cheap, and different per render.
    auto now = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    rng_ = (now ^ reinterpret_cast<std::uintptr_t>(this)) * 0x9E3779B97F4A7C15ULL | 1;
  }
  rng_ ^= rng_ << 13;  // xorshift64
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_;
}

void Interp::break_cycles() {
  // A candidate that can reach itself is part of a cycle: empty it so that reference counting
  // can free the values.
  for (auto& weak : cycle_candidates_) {
    std::shared_ptr<Object> obj = weak.lock();
    if (!obj) continue;
    std::vector<const Object*> stack;
    std::unordered_map<const Object*, bool> seen;
    bool cyclic = false;
    obj->for_each_child([&](const Value& v) {
      if (v.heap()) stack.push_back(v.heap().get());
    });
    std::size_t budget = 100000;
    while (!stack.empty() && !cyclic && budget-- > 0) {
      const Object* o = stack.back();
      stack.pop_back();
      if (o == obj.get()) {
        cyclic = true;
        break;
      }
      if (seen[o]) continue;
      seen[o] = true;
      o->for_each_child([&](const Value& v) {
        if (v.heap()) stack.push_back(v.heap().get());
      });
    }
    if (cyclic || budget == 0) obj->clear_children();
  }
  cycle_candidates_.clear();
}

void Interp::exec_stmt_inner(const Stmt& st, Scope& s, Flow& flow) {
  switch (st.kind) {
    case SK::kData:
      out_->append(static_cast<const DataStmt&>(st).text);
      return;
    case SK::kPrint:
      print_expr(*static_cast<const PrintStmt&>(st).expr, s);
      return;
    case SK::kIf: {
      const auto& n = static_cast<const IfStmt&>(st);
      for (const auto& [test, body] : n.branches) {
        Value tmp;
        if (eval_ref(*test, s, tmp).truthy()) {
          flow = exec(body, s);
          return;
        }
      }
      flow = exec(n.orelse, s);
      return;
    }
    case SK::kFor:
      flow = exec_for(static_cast<const ForStmt&>(st), s);
      return;
    case SK::kSet: {
      const auto& n = static_cast<const SetStmt&>(st);
      assign(n.target, eval(*n.value, s), s);
      return;
    }
    case SK::kSetBlock: {
      const auto& n = static_cast<const SetBlockStmt&>(st);
      Scope inner;
      inner.parent = &s;
      Value v(capture(n.body, inner, &flow));
      if (flow != Flow::kNormal) return;  // break/continue abandon the block
      if (n.filter) v = apply_filter_chain(*n.filter, std::move(v), s);
      assign(n.target, std::move(v), s);
      return;
    }
    case SK::kMacro: {
      const auto& n = static_cast<const MacroStmt&>(st);
      s.set(name_hash(n.def->name), n.def->name, make_macro(*n.def, s));
      return;
    }
    case SK::kCallBlock: {
      const auto& n = static_cast<const CallBlockStmt&>(st);
      const auto& call = static_cast<const CallExpr&>(*n.call);
      Value caller = make_macro(*n.caller, s);
      PooledArgs pooled(*this);
      CallArgs& args = pooled.args;
      args.render = this;
      build_args(call.call, s, args);
      args.kwargs.emplace_back("caller", std::move(caller));
      Value fn;
      if (call.fn->kind == EK::kAttr) {
        const auto& a = static_cast<const AttrExpr&>(*call.fn);
        fn = get_attr(eval(*a.obj, s), a.name);
      } else {
        fn = eval(*call.fn, s);
      }
      call_value(fn, args, true).append_str(*out_);
      return;
    }
    case SK::kFilterBlock: {
      const auto& n = static_cast<const FilterBlockStmt&>(st);
      Scope inner;
      inner.parent = &s;
      Value body(capture(n.body, inner, &flow));
      if (flow != Flow::kNormal) return;
      Value r = apply_filter_chain(*n.filter, std::move(body), s);
      // Jinja2 joins a filter block's result with the output: it must be a string.
      if (!r.is_str())
        throw TemplateError(ErrorKind::kType,
                            "sequence item 0: expected str instance, " + r.type_name() + " found");
      out_->append(r.as_str());
      return;
    }
    case SK::kWith: {
      const auto& n = static_cast<const WithStmt&>(st);
      Scope inner;
      inner.parent = &s;
      // Values are evaluated in the outer scope, all before any is bound (as Jinja2 does).
      std::vector<Value> vals;
      for (const auto& [t, e] : n.assigns) vals.push_back(eval(*e, s));
      for (std::size_t i = 0; i < vals.size(); ++i) assign(n.assigns[i].first, std::move(vals[i]), inner);
      flow = exec(n.body, inner);
      return;
    }
    case SK::kDo:
      eval(*static_cast<const ExprStmt&>(st).expr, s);
      return;
    case SK::kBreak:
      flow = Flow::kBreak;
      return;
    case SK::kContinue:
      flow = Flow::kContinue;
      return;
    case SK::kInclude:
      exec_include(static_cast<const IncludeStmt&>(st), s);
      return;
    case SK::kImport: {
      const auto& n = static_cast<const ImportStmt&>(st);
      s.set(name_hash(n.alias), n.alias, import_module(eval(*n.tmpl, s), n.with_context, s));
      return;
    }
    case SK::kFromImport: {
      const auto& n = static_cast<const FromImportStmt&>(st);
      Value mod = import_module(eval(*n.tmpl, s), n.with_context, s);
      for (const auto& [name, alias] : n.names) {
        Value v = mod.as_object()->get_attr(name);
        if (v.is_undefined()) {
          std::string tname = eval(*n.tmpl, s).str();
          v = Value::undefined("the template '" + tname + "' (imported on line " + std::to_string(st.line) +
                               ") does not export the requested name '" + name + "'");
        }
        s.set(name_hash(alias), alias, std::move(v));
      }
      return;
    }
    case SK::kBlock: {
      Scope inner;
      inner.parent = &s;
      flow = exec(static_cast<const BlockStmt&>(st).body, inner);
      return;
    }
  }
}

Flow Interp::exec_for(const ForStmt& f, Scope& s) {
  Value seq = eval(*f.iter, s);
  if (seq.is_undefined() && !seq.undefined_hint().empty() &&
      seq.undefined_hint().find("is undefined") == std::string::npos) {
    // iterating a missing attribute is fine (empty), as with Jinja2's default Undefined
  }
  std::vector<Value> materialized;
  const std::vector<Value>* items;
  if (seq.is_sequence_like() && !f.filter) {
    items = &seq.items();
  } else {
    materialized = iterate(seq);
    items = &materialized;
  }
  PooledScope pooled_body(*this, &s);
  Scope& body = pooled_body.scope;
  if (f.filter) {
    std::vector<Value> kept;
    for (const auto& v : *items) {
      assign(f.target, v, body);
      if (eval(*f.filter, body).truthy()) kept.push_back(v);
    }
    materialized = std::move(kept);
    items = &materialized;
    body.vars.clear();
  }
  std::shared_ptr<LoopObj> loop;
  if (f.uses_loop) {
    loop = std::make_shared<LoopObj>();
    loop->items = std::make_shared<const std::vector<Value>>(*items);
    items = loop->items.get();
    loop->length = static_cast<std::int64_t>(items->size());
  }
  std::size_t n = items->size();
  count_steps(n);
  // Every iteration starts from a fresh scope (assignments do not carry over, as in Jinja2).
  bool completed_any = false;
  Value loop_value = loop ? Value::object(loop) : Value();
  for (std::size_t i = 0; i < n && i < items->size(); ++i) {
    body.vars.clear();
    if (loop) {
      loop->index0 = static_cast<std::int64_t>(i);
      body.vars.push_back(Var{name_hash("loop"), "loop", loop_value});
    }
    if (f.target.type == Target::Type::kName)
      body.set(f.target.hash, f.target.name, (*items)[i]);
    else
      assign(f.target, (*items)[i], body);
    Flow fl = exec(f.body, body);
    if (fl == Flow::kBreak) break;
    if (fl == Flow::kNormal) completed_any = true;
  }
  // Jinja2 runs `else` when no iteration reached the end of the body.
  if (!completed_any && !f.orelse.empty()) {
    Scope else_scope;
    else_scope.parent = &s;
    return exec(f.orelse, else_scope);
  }
  return Flow::kNormal;
}

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
    local.vars.push_back(Var{def.param_hashes[i], def.params[i], Value()});
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
  if (def.uses_caller && !(std::find(def.params.begin(), def.params.end(), "caller") != def.params.end()))
    local.set(name_hash("caller"), "caller", have_caller ? caller : Value::undefined("No caller defined"));
  if (def.uses_kwargs) local.set(name_hash("kwargs"), "kwargs", kwargs);
  if (def.uses_varargs) {
    std::vector<Value> extra;
    for (std::size_t i = nparams; i < args.args.size(); ++i) extra.push_back(args.args[i]);
    local.set(name_hash("varargs"), "varargs", Value::tuple(std::move(extra)));
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
      if (typeid(*v.as_callable()) != typeid(MacroObj)) return false;
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

bool Interp::is_macro(const Value& v) {
  return v.kind() == Kind::kCallable && typeid(*v.as_callable()) == typeid(MacroObj);
}

Value Interp::call_macro_value(const Value& macro, CallArgs& args, bool direct) {
  return static_cast<const MacroObj*>(macro.as_callable())->run(args, direct);
}

// ---- loop and namespace objects ----

Value LoopObj::get_attr(std::string_view n) const {
  if (n == "last") return Value(index0 == length - 1);  // the most used, with first and index
  if (n == "first") return Value(index0 == 0);
  if (n == "index") return Value(index0 + 1);
  if (n == "index0") return Value(index0);
  if (n == "revindex") return Value(length - index0);
  if (n == "revindex0") return Value(length - index0 - 1);
  if (n == "first") return Value(index0 == 0);
  if (n == "last") return Value(index0 == length - 1);
  if (n == "length") return Value(length);
  if (n == "depth") return Value(std::int64_t{1});
  if (n == "depth0") return Value(std::int64_t{0});
  if (n == "previtem") {
    if (index0 == 0) return Value::undefined("there is no previous item");
    return (*items)[static_cast<std::size_t>(index0 - 1)];
  }
  if (n == "nextitem") {
    if (index0 + 1 >= length) return Value::undefined("there is no next item");
    return (*items)[static_cast<std::size_t>(index0 + 1)];
  }
  return Value::undefined("'jinja2.runtime.LoopContext object' has no attribute '" + std::string(n) + "'");
}

bool LoopObj::call_method(std::string_view n, CallArgs& args, Value& result) {
  if (n == "cycle") {
    if (args.args.empty()) throw TemplateError(ErrorKind::kType, "no items for cycling given");
    result = args.args[static_cast<std::size_t>(index0) % args.args.size()];
    return true;
  }
  if (n == "changed") {
    if (!changed_called || !(Value::list(changed_last) == Value::list(args.args))) {
      changed_called = true;
      changed_last = args.args;
      result = Value(true);
    } else {
      result = Value(false);
    }
    return true;
  }
  return false;
}

std::string LoopObj::repr() const {
  return "<LoopContext " + std::to_string(index0 + 1) + "/" + std::to_string(length) + ">";
}

Value NamespaceObj::get_attr(std::string_view n) const {
  if (const Value* v = attrs.as_dict().find_str(n)) return *v;
  return Value::undefined("'jinja2.utils.Namespace object' has no attribute '" + std::string(n) + "'");
}

Value NamespaceObj::get_item(const Value& key) const {
  if (const Value* v = attrs.as_dict().find(key)) return *v;
  return Value::undefined("'jinja2.utils.Namespace object' has no attribute " + key.repr());
}

void LoopObj::for_each_child(const std::function<void(const Value&)>& fn) const {
  if (items)
    for (const auto& v : *items) fn(v);
  for (const auto& v : changed_last) fn(v);
}
void LoopObj::clear_children() {
  items.reset();
  length = 0;
  changed_last.clear();
}

bool NamespaceObj::set_attr(std::string_view n, const Value& v) {
  attrs.as_dict().set(Value(n), v);
  return true;
}

std::string NamespaceObj::repr() const {
  std::string s = "<Namespace ";
  attrs.append_repr(s);
  return s + ">";
}

}  // namespace pond::jinja
