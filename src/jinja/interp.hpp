#pragma once
// The tree-walking renderer. One Interp per render call: it owns the output buffer, the
// per-render variables and counters; the parsed tree is shared and never modified.
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <typeinfo>
#include <unordered_map>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/environment.hpp"
#include "jinja/str_memo.hpp"

namespace pond::jinja {

// A variable binding. `name` views a string of the parsed tree (or a literal): trees outlive
// every scope that binds their names (see Scope::names_owner).
struct Var {
  std::size_t hash;
  std::string_view name;
  Value value;
};

// The one bit of a scope's name mask that a name hash sets (the high bits: FNV-1a mixes them best).
constexpr std::uint64_t name_bit(std::size_t hash) {
  return std::uint64_t{1} << (static_cast<std::uint64_t>(hash) >> 58);
}

// Whether two names with equal hashes are the same text. Names of one template are interned, so a
// match is usually the same address; names bound by another template (an includer's, a macro
// library's) compare their text, out of line so the scope scans stay small.
[[gnu::cold, gnu::noinline]] inline bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}
inline bool same_name(std::string_view a, std::string_view b) {
  return a.data() == b.data() || same_text(a, b);
}

// A scope's bindings: a vector plus a 64-bit mask of the names' bits (a one-hash Bloom filter), so
// a lookup skips, with one test, every scope that cannot hold the name. Writers go through these
// members so the mask always covers every binding; values may be changed in place.
class VarList {
 public:
  using iterator = std::vector<Var>::iterator;
  using const_iterator = std::vector<Var>::const_iterator;

  iterator begin() { return vars_.begin(); }
  iterator end() { return vars_.end(); }
  const_iterator begin() const { return vars_.begin(); }
  const_iterator end() const { return vars_.end(); }
  std::size_t size() const { return vars_.size(); }
  bool empty() const { return vars_.empty(); }
  Var& operator[](std::size_t i) { return vars_[i]; }
  const Var& operator[](std::size_t i) const { return vars_[i]; }
  std::uint64_t mask() const { return mask_; }

  void reserve(std::size_t n) { vars_.reserve(n); }
  void push_back(Var v) {
    mask_ |= name_bit(v.hash);
    vars_.push_back(std::move(v));
  }
  void clear() {
    vars_.clear();
    mask_ = 0;
  }
  // Drops the bindings after the first `n` (a loop body's assignments between iterations).
  void truncate(std::size_t n) {
    if (vars_.size() <= n) return;
    vars_.erase(vars_.begin() + static_cast<std::ptrdiff_t>(n), vars_.end());
    mask_ = 0;
    for (const auto& v : vars_) mask_ |= name_bit(v.hash);
  }
  Value* find(std::size_t hash, std::string_view name) {
    if (!(mask_ & name_bit(hash))) return nullptr;
    for (auto& v : vars_)
      if (v.hash == hash && same_name(v.name, name)) return &v.value;
    return nullptr;
  }
  // The storage, for reuse by a pool (an empty list hands over its capacity).
  std::vector<Var> release() {
    mask_ = 0;
    return std::move(vars_);
  }
  void adopt(std::vector<Var> v) {
    vars_ = std::move(v);
    mask_ = 0;
    for (const auto& x : vars_) mask_ |= name_bit(x.hash);
  }

 private:
  std::vector<Var> vars_;
  std::uint64_t mask_ = 0;
};

// A variable scope. Template top levels and macro closures live on the heap (shared_ptr) because
// macros keep them; loop and macro-call scopes live on the C++ stack.
struct Scope : std::enable_shared_from_this<Scope> {
  Scope* parent = nullptr;
  std::shared_ptr<Scope> parent_owner;  // keeps `parent` alive when it is a heap snapshot
  // Heap scopes that outlive a render (cached modules) keep the tree their names point into.
  std::shared_ptr<const void> names_owner;
  VarList vars;
  bool is_root = false;      // a template's top level
  bool sees_context = true;  // root only: whether render variables are visible

  Value* find(std::size_t hash, std::string_view name) { return vars.find(hash, name); }
  void set(std::size_t hash, std::string_view name, Value value) {
    if (Value* v = find(hash, name)) {
      *v = std::move(value);
      return;
    }
    vars.push_back(Var{hash, name, std::move(value)});
  }
};

// Whether a value can be shared by renders running at once: nothing reachable from it can be
// mutated by a template (no list, dict or stateful object). Macros count by what they close over.
bool shareable_across_renders(const Value& v, int depth = 0);

enum class Flow { kNormal, kBreak, kContinue };

class LoopObj;

// Runs `call` (a native function, a macro body), turning a std::exception it throws into a
// template error; template errors, macro returns and bad_alloc pass through as they are.
template <class F>
auto with_native_errors(F&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const TemplateError&) {
    throw;
  } catch (const MacroReturn&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw TemplateError(ErrorKind::kRuntime, e.what());
  }
}

class Interp final : public RenderState {
 public:
  Interp(const Environment& env, const Value& vars, std::string& out);

  // Renders a template's body into the output with `root` as its top-level scope.
  void render_template(const std::shared_ptr<const TemplateAst>& ast, Scope& root);
  void set_layer(const Globals* layer) { layer_ = layer; }
  // Jinja2's NativeEnvironment as dbt uses it: a template that is one `{{ expr }}` gives the
  // expression's value; any other renders to its text.
  Value render_native(const std::shared_ptr<const TemplateAst>& ast, Scope& root);

  Flow exec(const Body& body, Scope& s);
  Value eval(const Expr& e, Scope& s);
  // With `direct`, a macro prints straight into the output and the call returns undefined
  // (which prints as nothing): `{{ macro() }}` then copies no intermediate string.
  Value call_value(const Value& fn, CallArgs& args, bool direct = false);
  // Evaluates `e` and appends its printed form to the output.
  void print_expr(const Expr& e, Scope& s);
  Value apply_filter(const FilterExpr& f, Value input, Scope& s);
  // A filter chain whose innermost input is `input` (filter blocks, set blocks).
  Value apply_filter_chain(const Expr& chain, Value input, Scope& s);
  Value lookup_name(std::size_t hash, std::string_view name, Scope& s) const;
  // Where a name's value lives (scope, render variables, globals), or nullptr when undefined.
  const Value* find_name(std::size_t hash, std::string_view name, Scope& s) const {
    // Inline: most names are found in the scope chain, and the mask test skips most scopes.
    const std::uint64_t bit = name_bit(hash);
    Scope* p = &s;
    for (;;) {
      if (p->vars.mask() & bit) {
        for (auto& v : p->vars)
          if (v.hash == hash && same_name(v.name, name)) return &v.value;
      }
      if (!p->parent) return find_outside_scopes(name, *p);
      p = p->parent;
    }
  }
  // Evaluates `e` without copying values that already live somewhere (constants, variables, dict
  // items); computed values go to `tmp`. The reference is only valid until the next evaluation.
  const Value& eval_ref(const Expr& e, Scope& s, Value& tmp);
  // Whether `e` is true (`if` tests, `not`, conditional expressions), without building a value
  // for the common tests (`not x`, `loop.first`, `loop.last`).
  bool eval_truthy(const Expr& e, Scope& s);

  // RenderState
  Value lookup(std::string_view name) const override;
  Value call(const Value& callable, CallArgs& args) override { return call_value(callable, args); }
  const std::string& template_name() const override { return (*ast_)->name; }

  const Environment& env() const { return env_; }
  const Limits& limits() const { return env_.limits(); }
  std::string& out() { return *out_; }
  void check_output() const {
    if (out_->size() > limits().max_output) fail_output();
  }
  [[noreturn]] void fail_output() const;
  void count_steps(std::uint64_t n);

  // Renders `body` into a string instead of the output (macro bodies, set blocks, filter blocks).
  std::string capture(const Body& body, Scope& s, Flow* flow = nullptr);

  // Calls a macro (macro values and call-block callers).
  Value call_macro(const MacroDef& def, const std::shared_ptr<const TemplateAst>& ast, Scope& closure,
                   CallArgs& args, bool direct = false);
  // Calls callable `fn`, when it is a macro, evaluating the call's arguments (in `s`) straight into
  // its parameters without a CallArgs, when the call is plain: no *args or **kwargs and every
  // argument fills a parameter. Otherwise it evaluates nothing and returns false: the general path
  // takes the call.
  bool call_macro_plain(const Value& fn, const CallArgsExpr& c, Scope& s, const Value* caller, bool direct,
                        Value& result);
  // Whether `v` is a macro (or call-block caller) value; call_macro_value runs one.
  static bool is_macro(const Value& v);
  Value call_macro_value(const Value& macro, CallArgs& args, bool direct);
  // A macro value closing over `s` (root scopes are kept by reference, inner ones copied).
  Value make_macro(const MacroDef& def, Scope& s);

  // Template loading for include/import.
  std::shared_ptr<const Template> load(const Value& name_or_list, bool ignore_missing);
  // Module (exported names) of a template imported without context, cached per render.
  Value import_module(const Value& name, bool with_context, Scope& s);

  const std::shared_ptr<const TemplateAst>& ast() const { return *ast_; }
  void set_depth(int depth) { depth_ = depth; }

  // A random number for the `random` filter (seeded per render).
  std::uint64_t random();
  // `| lower` results of this render, by source string.
  StrMemo& lower_memo() { return lower_memo_; }

  // Records that `item` was stored inside `container` (a possible reference cycle).
  void note_insert(const Value& container, const Value& item);
  // note_insert() of what a container method `m` (one that stores its arguments) stored.
  void note_stored_args(const Value& container, MethodId m, const CallArgs& args);
  CallArgs& acquire_args() {
    if (args_used_ == args_stack_.size()) args_stack_.push_back(std::make_unique<CallArgs>());
    return *args_stack_[args_used_++];
  }
  void release_args() {
    CallArgs& a = *args_stack_[--args_used_];
    a.args.clear();
    a.kwargs.clear();
  }
  // Call arguments for one call: calls nest, so the render keeps a stack of argument lists and each
  // call borrows the next one, leaving it emptied (its capacity kept) for the next call at that depth.
  struct PooledArgs {
    explicit PooledArgs(Interp& in) : in_(in), args(in.acquire_args()) {}
    ~PooledArgs() { in_.release_args(); }
    PooledArgs(const PooledArgs&) = delete;
    PooledArgs& operator=(const PooledArgs&) = delete;

   private:
    Interp& in_;

   public:
    CallArgs& args;
  };
  // A scope borrowed for one block or call: scopes nest like calls, so the render keeps a stack of
  // them and each use takes the next one, handing it back emptied (its capacity kept). That costs
  // neither constructing a Scope nor moving a variable list in and out of a pool.
  struct PooledScope {
    PooledScope(Interp& in, Scope* parent) : in_(in), scope(in.acquire_scope(parent)) {}
    ~PooledScope() { in_.release_scope(); }
    PooledScope(const PooledScope&) = delete;
    PooledScope& operator=(const PooledScope&) = delete;

   private:
    Interp& in_;

   public:
    Scope& scope;
  };
  Scope& acquire_scope(Scope* parent) {
    if (scopes_used_ == scope_stack_.size()) scope_stack_.push_back(std::make_unique<Scope>());
    Scope& sc = *scope_stack_[scopes_used_++];
    sc.parent = parent;
    return sc;
  }
  void release_scope() { scope_stack_[--scopes_used_]->vars.clear(); }

  ~Interp() override;
  Interp(const Interp&) = delete;
  Interp& operator=(const Interp&) = delete;

 private:
  // A macro call in progress: the body runs in its own template, one level deeper; both are
  // restored when the call ends, however it ends.
  class MacroFrame {
   public:
    MacroFrame(Interp& in, const std::shared_ptr<const TemplateAst>& ast) : in_(in), saved_(in.ast_) {
      in.ast_ = &ast;
      ++in.depth_;
    }
    ~MacroFrame() {
      in_.ast_ = saved_;
      --in_.depth_;
    }
    MacroFrame(const MacroFrame&) = delete;
    MacroFrame& operator=(const MacroFrame&) = delete;

   private:
    Interp& in_;
    const std::shared_ptr<const TemplateAst>* saved_;
  };

  void break_cycles();
  // A name no scope binds: the render variables (when the outermost scope `last` sees them), then
  // the globals.
  const Value* find_outside_scopes(std::string_view name, const Scope& last) const;
  Value eval_node(const Expr& e, Scope& s);  // eval() of everything but constants and names
  Value eval_inner(const Expr& e, Scope& s);
  // eval_truthy() of what it does not answer itself (out of line: its fast cases need no frame).
  [[gnu::noinline]] bool truthy_of_value(const Expr& e, Scope& s);
  // For `loop.<attr>` (AttrExpr::loop_attr set): the LoopObj `loop` names, or nullptr when it is
  // rebound to something else.
  const LoopObj* find_loop(const AttrExpr& a, Scope& s) const;
  void build_args(const CallArgsExpr& c, Scope& s, CallArgs& out);
  Value eval_call(const CallExpr& c, Scope& s, bool direct = false);
  bool eval_test(const TestExpr& t, Scope& s);
  void assign(const Target& t, Value v, Scope& s);
  Flow exec_for(const ForStmt& f, Scope& s);
  // A LoopObj value for a for loop, reused from one that ended with nothing else holding it.
  Value take_loop();
  void give_loop(Value& loop);
  Flow exec_if(const IfStmt& n, Scope& s);
  void exec_stmt_inner(const Stmt& st, Scope& s, Flow& flow);
  void exec_include(const IncludeStmt& st, Scope& s);
  std::shared_ptr<Scope> snapshot(Scope& s);

  const Environment& env_;
  const Globals* layer_ = nullptr;  // searched between vars_ and the globals
  Value vars_;                      // per-render variables (a dict)
  std::string* out_;
  // Template currently executing (points at a shared_ptr held by a Template or a macro value
  // that outlives the execution, so switching templates costs no reference counting).
  const std::shared_ptr<const TemplateAst>* ast_ = nullptr;
  std::vector<std::string> spare_buffers_;             // capture() buffers, reused to avoid regrowing
  std::vector<std::unique_ptr<CallArgs>> args_stack_;  // see PooledArgs
  std::size_t args_used_ = 0;
  std::vector<std::unique_ptr<Scope>> scope_stack_;  // see PooledScope
  std::size_t scopes_used_ = 0;
  std::vector<Value> spare_loops_;  // see take_loop
  int depth_ = 0;
  std::uint64_t steps_ = 0;
  std::unordered_map<std::string, Value> modules_;
  std::vector<std::shared_ptr<Scope>> roots_;  // imported/included top levels, alive for the render
  std::vector<std::weak_ptr<Object>> cycle_candidates_;
  std::uint64_t rng_ = 0;
  StrMemo lower_memo_;
};

// The `loop` variable of a for loop.
class LoopObj final : public NativeObject {
 public:
  std::int64_t index0 = 0;
  std::int64_t length = 0;
  // The items iterated, viewed in the list `seq` that owns them. Jinja2 iterates the list itself,
  // not a copy: a body that shrinks it sees the change (previtem/nextitem check the bounds).
  Value seq;
  const std::vector<Value>* items = nullptr;
  std::vector<Value> changed_last;
  bool changed_called = false;

  // `loop.<attr>` resolved at parse time (the common ones inline: they run every iteration).
  Value attr(LoopAttr a) const {
    switch (a) {
      case LoopAttr::kLast:
        return Value(index0 == length - 1);
      case LoopAttr::kFirst:
        return Value(index0 == 0);
      case LoopAttr::kIndex:
        return Value(index0 + 1);
      case LoopAttr::kIndex0:
        return Value(index0);
      default:
        return other_attr(a);
    }
  }
  // The LoopObj a value holds, or nullptr (`loop` may be rebound to anything).
  static const LoopObj* of(const Value& v) {
    if (!v.is_object()) return nullptr;
    const Object& o = *v.heap();
    return typeid(o) == typeid(LoopObj) ? static_cast<const LoopObj*>(&o) : nullptr;
  }

  Value get_attr(std::string_view name) const override;
  bool call_method(std::string_view name, CallArgs& args, Value& result) override;
  bool has_method(std::string_view n) const override { return n == "cycle" || n == "changed"; }
  std::string repr() const override;
  std::string type_name() const override { return "LoopContext"; }
  void for_each_child(const std::function<void(const Value&)>& fn) const override;
  void clear_children() override;

 private:
  Value other_attr(LoopAttr a) const;
};

// namespace(): attributes that `{% set ns.x = ... %}` may assign.
class NamespaceObj final : public NativeObject {
 public:
  Value attrs = Value::dict();
  Value get_attr(std::string_view name) const override;
  Value get_item(const Value& key) const override;
  bool set_attr(std::string_view name, const Value& value) override;
  std::string repr() const override;
  std::string type_name() const override { return "Namespace"; }
  void for_each_child(const std::function<void(const Value&)>& fn) const override { fn(attrs); }
  void clear_children() override { attrs.as_dict().clear(); }
  // The NamespaceObj a value holds, or nullptr: the evaluator reads its attributes in place.
  static const NamespaceObj* of(const Value& v) {
    if (!v.is_object()) return nullptr;
    const Object& o = *v.heap();
    return typeid(o) == typeid(NamespaceObj) ? static_cast<const NamespaceObj*>(&o) : nullptr;
  }
};

inline const LoopObj* Interp::find_loop(const AttrExpr& a, Scope& s) const {
  const auto& n = static_cast<const NameExpr&>(*a.obj);
  const Value* v = find_name(n.hash, n.name, s);
  return v ? LoopObj::of(*v) : nullptr;
}

// Inline: `if` tests and `not` are everywhere, and the fast cases are a few instructions.
inline bool Interp::eval_truthy(const Expr& expr, Scope& s) {
  const Expr* e = &expr;
  bool negated = false;
  while (e->kind == EK::kNot) {
    negated = !negated;
    e = static_cast<const UnaryExpr&>(*e).operand.get();
  }
  switch (e->kind) {
    case EK::kName: {
      const auto& n = static_cast<const NameExpr&>(*e);
      const Value* v = find_name(n.hash, n.name, s);
      return negated != (v && v->truthy());  // an undefined name is false
    }
    case EK::kAttr: {
      const auto& n = static_cast<const AttrExpr&>(*e);
      if (n.loop_attr == LoopAttr::kFirst || n.loop_attr == LoopAttr::kLast) {
        if (const LoopObj* loop = find_loop(n, s)) {
          const bool first = n.loop_attr == LoopAttr::kFirst;
          return negated != (first ? loop->index0 == 0 : loop->index0 == loop->length - 1);
        }
      }
      break;
    }
    default:
      break;
  }
  return negated != truthy_of_value(*e, s);
}

}  // namespace pond::jinja
