#include "jinja/interp.hpp"

#include <chrono>

#include "jinja/ops.hpp"

namespace pond::jinja {

Interp::Interp(const Environment& env, const Value& vars, std::string& out) : env_(env), out_(&out) {
  vars_ = vars.is_dict() ? vars : Value::dict();
}

void Interp::fail_output() const {
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

Value Interp::render_native(const std::shared_ptr<const TemplateAst>& ast, Scope& root) {
  if (ast->body.size() != 1 || ast->body[0]->kind != SK::kPrint) {
    render_template(ast, root);
    return Value(*out_);
  }
  auto saved = ast_;
  ast_ = &ast;
  try {
    Value v = eval(*static_cast<const PrintStmt&>(*ast->body[0]).expr, root);
    ast_ = saved;
    return v;
  } catch (TemplateError& e) {
    if (!e.located()) e.locate(ast->name, 0, 0);
    ast_ = saved;
    throw;
  }
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
  for (const auto& st : body) {
    // Text and `{{ }}` are most of what a template executes: handled here without the general
    // statement dispatch (print_expr locates its own errors).
    if (st->kind == SK::kData) {
      out_->append(static_cast<const DataStmt&>(*st).text);
      continue;
    }
    if (st->kind == SK::kPrint) {
      print_expr(*static_cast<const PrintStmt&>(*st).expr, s);
      continue;
    }
    Flow flow = Flow::kNormal;
    try {
      // `if` is the commonest block statement: a small function instead of the general dispatch.
      if (st->kind == SK::kIf)
        flow = exec_if(static_cast<const IfStmt&>(*st), s);
      else
        exec_stmt_inner(*st, s, flow);
    } catch (TemplateError& e) {
      if (!e.located()) e.locate((*ast_)->name, st->line, st->col);
      throw;
    }
    if (flow != Flow::kNormal) return flow;
  }
  check_output();
  return Flow::kNormal;
}

Flow Interp::exec_if(const IfStmt& n, Scope& s) {
  for (const auto& [test, body] : n.branches)
    if (eval_truthy(*test, s)) return exec(body, s);
  return exec(n.orelse, s);
}

void Interp::assign(const Target& t, Value v, Scope& s) {
  switch (t.type) {
    case Target::Type::kName:
      s.set(t.hash, t.name, std::move(v));
      return;
    case Target::Type::kAttr: {
      // The namespace is read in place: set_attr changes what it holds, not where it is bound.
      const Value* ns = find_name(t.hash, t.name, s);
      if (!ns || !ns->is_object() || !ns->as_object()->set_attr(t.attr, v))
        throw TemplateError(ErrorKind::kRuntime, "cannot assign attribute on non-namespace object",
                            (*ast_)->name, t.line, t.col);
      note_insert(*ns, v);
      return;
    }
    case Target::Type::kTuple: {
      // A list or tuple (dict items, groupby groups) is unpacked in place, without a copy.
      std::vector<Value> copied;
      if (!v.is_sequence_like()) copied = iterate(v);
      const std::vector<Value>& items = v.is_sequence_like() ? v.items() : copied;
      if (items.size() != t.items.size()) {
        if (items.size() > t.items.size())
          throw TemplateError(ErrorKind::kValue,
                              "too many values to unpack (expected " + std::to_string(t.items.size()) + ")");
        throw TemplateError(ErrorKind::kValue, "not enough values to unpack (expected " +
                                                   std::to_string(t.items.size()) + ", got " +
                                                   std::to_string(items.size()) + ")");
      }
      for (std::size_t i = 0; i < items.size(); ++i) assign(t.items[i], items[i], s);
      return;
    }
  }
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
    case SK::kIf:
      flow = exec_if(static_cast<const IfStmt&>(st), s);
      return;
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
      s.set(n.def->hash, n.def->interned_name, make_macro(*n.def, s));
      return;
    }
    case SK::kCallBlock: {
      const auto& n = static_cast<const CallBlockStmt&>(st);
      const auto& call = static_cast<const CallExpr&>(*n.call);
      Value caller = make_macro(*n.caller, s);
      if (call.fn->kind == EK::kName) {
        // A name's lookup has no effects, so it may come before the arguments here: a plain call
        // then binds them straight into the macro's parameters.
        const auto& name = static_cast<const NameExpr&>(*call.fn);
        const Value* fn = find_name(name.hash, name.name, s);
        Value r;
        if (fn && fn->kind() == Kind::kCallable && call_macro_plain(*fn, call.call, s, &caller, true, r)) {
          r.append_str(*out_);
          return;
        }
      }
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

Value Interp::take_loop() {
  if (spare_loops_.empty()) return Value::object(std::make_shared<LoopObj>());
  Value v = std::move(spare_loops_.back());
  spare_loops_.pop_back();
  return v;
}

void Interp::give_loop(Value& loop) {
  // Reused only when nothing kept it (a macro defined in the loop, a `set` outside the loop's scope).
  if (loop.heap().use_count() != 1 || spare_loops_.size() >= 16) return;
  auto& l = static_cast<LoopObj&>(*loop.as_object());
  l.seq = Value();
  l.items = nullptr;
  l.index0 = 0;
  l.changed_last.clear();
  l.changed_called = false;
  spare_loops_.push_back(std::move(loop));
}

Flow Interp::exec_for(const ForStmt& f, Scope& s) {
  Value seq = eval(*f.iter, s);  // an undefined iterates as empty (Jinja2's default Undefined)
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
  // With `loop` in use the filtered list is needed up front (loop.length, loop.last). Without it
  // the filter is tested right before each iteration, as Jinja2's generator does, so a body that
  // changes what the filter reads (a namespace flag) affects the items after it.
  const bool lazy_filter = f.filter && !f.uses_loop;
  if (f.filter && !lazy_filter) {
    std::vector<Value> kept;
    for (const auto& v : *items) {
      assign(f.target, v, body);
      if (eval(*f.filter, body).truthy()) kept.push_back(v);
    }
    materialized = std::move(kept);
    items = &materialized;
    body.vars.clear();
  }
  Value loop_value;
  LoopObj* loop = nullptr;
  if (f.uses_loop) {
    loop_value = take_loop();
    loop = static_cast<LoopObj*>(loop_value.as_object());
    // The loop views the list it iterates; a list built here (filtered, or from a dict, string,
    // generator) becomes a list value it owns.
    loop->seq = items != &materialized ? seq : Value::list(std::move(materialized));
    loop->items = items = &loop->seq.items();
    loop->length = static_cast<std::int64_t>(items->size());
  }
  std::size_t n = items->size();
  count_steps(n);
  // Every iteration starts from a fresh scope (assignments do not carry over, as in Jinja2).
  bool completed_any = false;
  // The first iteration binds `loop` and the target names first in the scope; later ones drop what
  // the body bound after them and rebind them in place.
  std::size_t own = 0;
  // A list iterated in place is read live, as Python's list iterator does: items the body appends
  // are visited too (each counted against the loop-step limit), and a shrinking list ends early.
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (i >= n) count_steps(1);
    if (loop) loop->index0 = static_cast<std::int64_t>(i);
    if (own == 0) {
      body.vars.clear();
      if (loop) body.vars.push_back(Var{name_hash(kLoopName), kLoopName, loop_value});
      if (f.target.type == Target::Type::kName)
        body.set(f.target.hash, f.target.name, (*items)[i]);
      else
        assign(f.target, (*items)[i], body);
      own = body.vars.size();
    } else {
      body.vars.truncate(own);
      // The body may have rebound `loop` ({% set loop = ... %}).
      if (loop && body.vars[0].value.heap() != loop_value.heap()) body.vars[0].value = loop_value;
      if (f.target.type == Target::Type::kName)
        body.vars[own - 1].value = (*items)[i];  // the target is bound last
      else
        assign(f.target, (*items)[i], body);
    }
    if (lazy_filter && !eval(*f.filter, body).truthy()) continue;
    Flow fl = exec(f.body, body);
    if (fl == Flow::kBreak) break;
    if (fl == Flow::kNormal) completed_any = true;
  }
  if (loop) {
    body.vars.clear();
    give_loop(loop_value);
  }
  // Jinja2 runs `else` when no iteration reached the end of the body.
  if (!completed_any && !f.orelse.empty()) {
    Scope else_scope;
    else_scope.parent = &s;
    return exec(f.orelse, else_scope);
  }
  return Flow::kNormal;
}

}  // namespace pond::jinja
