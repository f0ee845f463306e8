// Expression evaluation: names, literals, operators, attribute access, calls, filters, tests.
#include "jinja/filters_builtin.hpp"
#include "jinja/filters_util.hpp"
#include "jinja/interp.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

const Value* Interp::find_outside_scopes(std::string_view name, const Scope& last) const {
  if (last.sees_context) {
    if (const Value* v = vars_.as_dict().find_str(name)) return v;
  }
  if (layer_) [[unlikely]] {
    if (auto it = layer_->find(name); it != layer_->end()) return &it->second;
  }
  return env_.find_global(name);
}

Value Interp::lookup_name(std::size_t hash, std::string_view name, Scope& s) const {
  if (const Value* v = find_name(hash, name, s)) return *v;
  return Value::undefined_name(name);
}

Value Interp::lookup(std::string_view name) const {
  if (const Value* v = vars_.as_dict().find_str(name)) return *v;
  if (layer_)
    if (auto it = layer_->find(name); it != layer_->end()) return it->second;
  if (const Value* g = env_.find_global(name)) return *g;
  return Value::undefined_name(name);
}

Value Interp::eval(const Expr& e, Scope& s) {
  // Constants and names (about half of all nodes) cannot fail: they skip the general evaluator's
  // large stack frame and its error-locating handler.
  switch (e.kind) {
    case EK::kConst:
      return static_cast<const ConstExpr&>(e).value;
    case EK::kName: {
      const auto& n = static_cast<const NameExpr&>(e);
      return lookup_name(n.hash, n.name, s);
    }
    default:
      return eval_node(e, s);
  }
}

Value Interp::eval_node(const Expr& e, Scope& s) {
  try {
    return eval_inner(e, s);
  } catch (TemplateError& err) {
    if (!err.located()) err.locate((*ast_)->name, e.line, e.col);
    throw;
  }
}

namespace {
// eval_ref() of an attribute's object, which is most often a name: looked up here, without a
// nested eval_ref() call (whose large frame costs more than the lookup).
[[gnu::always_inline]] inline const Value& object_ref(Interp& in, const Expr& e, Scope& s, Value& tmp) {
  if (e.kind != EK::kName) return in.eval_ref(e, s, tmp);
  const auto& n = static_cast<const NameExpr&>(e);
  if (const Value* v = in.find_name(n.hash, n.name, s)) return *v;
  tmp = in.lookup_name(n.hash, n.name, s);  // undefined, with its message
  return tmp;
}
}  // namespace

namespace {
// eval_ref() of a builtin filter called without arguments, its input read in place. Out of line, so
// that eval_ref's own frame stays small.
[[gnu::noinline]] const Value& plain_filter_ref(Interp& in, const FilterExpr& f, Scope& s, Value& tmp) {
  Value in_tmp;
  const Value& input = object_ref(in, *f.arg, s, in_tmp);
  CallArgs args;
  args.render = &in;
  try {
    tmp = f.fn(in, input, args);
  } catch (TemplateError& err) {
    if (!err.located()) err.locate(in.ast()->name, f.line, f.col);
    throw;
  }
  return tmp;
}
}  // namespace

const Value& Interp::eval_ref(const Expr& e, Scope& s, Value& tmp) {
  switch (e.kind) {
    case EK::kConst:
      return static_cast<const ConstExpr&>(e).value;
    case EK::kName: {
      const auto& n = static_cast<const NameExpr&>(e);
      if (const Value* v = find_name(n.hash, n.name, s)) return *v;
      tmp = lookup_name(n.hash, n.name, s);  // undefined, with its message
      return tmp;
    }
    case EK::kAttr: {
      const auto& n = static_cast<const AttrExpr&>(e);
      if (n.loop_attr != LoopAttr::kNone) {
        if (const LoopObj* loop = find_loop(n, s)) {
          tmp = loop->attr(n.loop_attr);
          return tmp;
        }
      }
      if (n.dict_method) break;
      Value obj_tmp;
      const Value& obj = object_ref(*this, *n.obj, s, obj_tmp);
      const Value* v = nullptr;
      if (obj.is_dict())
        v = obj.as_dict().find_str(n.name);
      else if (const NamespaceObj* ns = NamespaceObj::of(obj))
        v = ns->attrs.as_dict().find_str(n.name);
      if (v) {
        if (&obj != &obj_tmp) return *v;
        tmp = *v;  // the dict or namespace itself is a temporary
        return tmp;
      }
      try {
        tmp = get_attr_name_value(obj, n.name_value);
      } catch (TemplateError& err) {
        if (!err.located()) err.locate((*ast_)->name, e.line, e.col);
        throw;
      }
      return tmp;
    }
    case EK::kFilter: {
      // `x | lower`, `x | length`: a builtin filter without arguments applied to its input read in
      // place, without the general evaluator's frame.
      const auto& f = static_cast<const FilterExpr&>(e);
      if (!f.fn || !f.arg || !f.args_checked || !f.call.args.empty() || f.call.dyn_args || f.call.dyn_kwargs)
        break;
      return plain_filter_ref(*this, f, s, tmp);
    }
    default:
      break;
  }
  tmp = eval_node(e, s);
  return tmp;
}

bool Interp::truthy_of_value(const Expr& e, Scope& s) {
  if (e.kind == EK::kAttr || e.kind == EK::kConst) {
    Value tmp;
    return eval_ref(e, s, tmp).truthy();  // an attribute is read in place
  }
  return eval_node(e, s).truthy();  // comparisons, tests: a bool, so nothing to copy
}

void Interp::print_expr(const Expr& e, Scope& s) {
  switch (e.kind) {
    case EK::kName: {
      // A missing name prints as nothing, so its undefined value (and message) is never built.
      const auto& n = static_cast<const NameExpr&>(e);
      if (const Value* v = find_name(n.hash, n.name, s)) v->append_str(*out_);
      return;
    }
    case EK::kConst:  // the branches of `{{ ", " if not loop.last }}`
      static_cast<const ConstExpr&>(e).value.append_str(*out_);
      return;
    case EK::kCond: {
      // `{{ ", " if not loop.last }}`: the chosen branch prints itself, with no value in between.
      const auto& c = static_cast<const CondExpr&>(e);
      if (eval_truthy(*c.test, s))
        print_expr(*c.body, s);
      else if (c.orelse)
        print_expr(*c.orelse, s);
      else
        c.missing_else.append_str(*out_);
      return;
    }
    case EK::kCall:
      try {
        eval_call(static_cast<const CallExpr&>(e), s, true).append_str(*out_);
      } catch (TemplateError& err) {
        if (!err.located()) err.locate((*ast_)->name, e.line, e.col);
        throw;
      }
      return;
    default: {
      Value tmp;
      eval_ref(e, s, tmp).append_str(*out_);
      return;
    }
  }
}

void Interp::build_args(const CallArgsExpr& c, Scope& s, CallArgs& out) {
  out.render = this;
  out.args.reserve(c.args.size());
  for (const auto& a : c.args) {
    if (a.name.empty())
      out.args.push_back(eval(*a.value, s));
    else
      out.kwargs.emplace_back(a.name, eval(*a.value, s));
  }
  if (c.dyn_args) {
    for (auto& v : iterate(eval(*c.dyn_args, s))) out.args.push_back(std::move(v));
  }
  if (c.dyn_kwargs) {
    Value d = eval(*c.dyn_kwargs, s);
    if (!d.is_dict()) {
      if (d.is_undefined()) fail_undefined(d);
      fail_type("argument after ** must be a mapping, not " + d.type_name());
    }
    for (const auto& [k, v] : d.as_dict().entries()) {
      if (!k.is_str()) fail_type("keywords must be strings");
      out.kwargs.emplace_back(k.as_str(), v);
    }
  }
}

Value Interp::call_value(const Value& fn, CallArgs& args, bool direct) {
  args.render = this;
  switch (fn.kind()) {
    case Kind::kCallable:
      return with_native_errors([&] {
        if (is_macro(fn)) return call_macro_value(fn, args, direct);
        return fn.as_callable()->call(args);
      });
    case Kind::kObject:
      if (fn.as_object()->callable()) return fn.as_object()->call(args);
      break;
    case Kind::kUndefined:
      fail_undefined(fn);
    default:
      break;
  }
  fail_type("'" + fn.type_name() + "' object is not callable");
}

void Interp::note_stored_args(const Value& container, MethodId m, const CallArgs& args) {
  if (m == MethodId::kUpdate && container.is_dict()) {
    // The dict stores the entries of a dict argument, not the argument itself.
    if (!args.args.empty()) {
      if (args.args[0].is_dict() && &args.args[0].as_dict() != &container.as_dict()) {
        for (const auto& [k, v] : args.args[0].as_dict().entries()) {
          note_insert(container, k);
          note_insert(container, v);
        }
      } else {
        note_insert(container, args.args[0]);
      }
    }
  } else {
    for (const auto& v : args.args) note_insert(container, v);
  }
  for (const auto& [k, v] : args.kwargs) note_insert(container, v);
}

Value Interp::eval_call(const CallExpr& c, Scope& s, bool direct) {
  if (c.fn->kind == EK::kAttr) {
    PooledArgs pooled(*this);
    CallArgs& args = pooled.args;
    // obj.method(...): call methods directly instead of building a bound method first.
    const auto& a = static_cast<const AttrExpr&>(*c.fn);
    // Read in place, then held by a copy: the arguments and the method itself may change where
    // the object is stored (`d.x.update(...)` may grow `d`).
    Value obj_tmp;
    const Value& obj_ref = object_ref(*this, *a.obj, s, obj_tmp);
    Value obj = &obj_ref == &obj_tmp ? std::move(obj_tmp) : obj_ref;
    if (obj.is_undefined()) fail_undefined(obj);
    build_args(c.call, s, args);
    Value r;
    if (a.method != MethodId::kNone && call_container_method(obj, a.method, args, r)) {
      if (method_stores_args(a.method)) note_stored_args(obj, a.method, args);
      return r;
    }
    if (obj.is_object()) {
      Value attr = obj.as_object()->get_attr(a.name);
      if (!attr.is_undefined()) return call_value(attr, args, direct);
      if (obj.as_object()->call_method(a.name, args, r)) return r;
      return call_value(get_attr(obj, a.name), args);
    }
    if (has_method(obj, a.name) && call_method(obj, a.name, args, r))
      return r;  // a str or number method (dict and list ones are all above): nothing is stored
    return call_value(get_attr(obj, a.name), args);
  }
  // A called name is read in place: evaluating the arguments cannot rebind it (only statements
  // bind, and those the arguments run bind in scopes of their own).
  Value tmp;
  const Value* fn = &tmp;
  if (c.fn->kind == EK::kName) {
    const auto& n = static_cast<const NameExpr&>(*c.fn);
    fn = find_name(n.hash, n.name, s);
    if (!fn) fail_undefined(lookup_name(n.hash, n.name, s));
  } else {
    tmp = eval(*c.fn, s);
  }
  if (fn->is_undefined()) fail_undefined(*fn);
  Value r;
  if (fn->kind() == Kind::kCallable && call_macro_plain(*fn, c.call, s, nullptr, direct, r)) return r;
  PooledArgs pooled(*this);
  build_args(c.call, s, pooled.args);
  return call_value(*fn, pooled.args, direct);
}

// Whether a call's arguments are all literals, so that evaluating them runs no template code.
static bool constant_args(const CallArgsExpr& c) {
  if (c.dyn_args || c.dyn_kwargs) return false;
  for (const auto& a : c.args)
    if (a.value->kind != EK::kConst) return false;
  return true;
}

Value Interp::apply_filter(const FilterExpr& f, Value input, Scope& s) {
  PooledArgs pooled(*this);
  CallArgs& args = pooled.args;
  build_args(f.call, s, args);
  if (f.fn) {
    if (!f.args_checked) check_filter_args(f.name, f.signature, args);
    return f.fn(*this, input, args);
  }
  const NativeFunction* custom = env_.find_filter(f.name);
  if (!custom) throw TemplateError(ErrorKind::kRuntime, "No filter named '" + f.name + "' found.");
  args.args.insert(args.args.begin(), std::move(input));
  return (*custom)(args);
}

Value Interp::apply_filter_chain(const Expr& chain, Value input, Scope& s) {
  const auto& f = static_cast<const FilterExpr&>(chain);
  Value inner = f.arg ? apply_filter_chain(*f.arg, std::move(input), s) : std::move(input);
  return apply_filter(f, std::move(inner), s);
}

bool Interp::eval_test(const TestExpr& t, Scope& s) {
  // With literal arguments the tested value is read in place (see the filter case of eval_inner).
  Value tmp;
  const Value& v = t.fn && constant_args(t.call) ? eval_ref(*t.arg, s, tmp) : (tmp = eval(*t.arg, s));
  PooledArgs pooled(*this);
  CallArgs& args = pooled.args;
  build_args(t.call, s, args);
  bool r;
  if (t.fn) {
    if (args.args.size() + args.kwargs.size() > static_cast<std::size_t>(t.arity))
      fail_type("test_" + t.name + "() takes " + std::to_string(t.arity + 1) + " positional argument" +
                (t.arity ? "s" : "") + " but " + std::to_string(args.args.size() + 1) + " were given");
    r = t.fn(*this, v, args);
  } else {
    const NativeFunction* custom = env_.find_test(t.name);
    if (!custom) throw TemplateError(ErrorKind::kRuntime, "No test named '" + t.name + "' found.");
    args.args.insert(args.args.begin(), std::move(v));
    r = (*custom)(args).truthy();
  }
  return t.negated ? !r : r;
}

// Inlined into eval_node(): one stack frame per evaluated node instead of two (the try block is
// free when nothing throws, and node evaluation is the interpreter's hottest path).
[[gnu::always_inline]] inline Value Interp::eval_inner(const Expr& e, Scope& s) {
  switch (e.kind) {
    case EK::kConst:
    case EK::kName:
      return eval(e, s);  // eval() answers these itself; they only get here through eval_node()
    case EK::kList:
    case EK::kTuple: {
      const auto& n = static_cast<const SeqExpr&>(e);
      std::vector<Value> items;
      items.reserve(n.items.size());
      for (const auto& i : n.items) items.push_back(eval(*i, s));
      return e.kind == EK::kList ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case EK::kDict: {
      const auto& n = static_cast<const DictExpr&>(e);
      Value d = Value::dict();
      for (const auto& [k, v] : n.items) {
        Value key = eval(*k, s);
        if (key.is_list() || key.is_dict()) fail_type("unhashable type: '" + key.type_name() + "'");
        d.as_dict().set(std::move(key), eval(*v, s));
      }
      return d;
    }
    case EK::kAttr: {
      const auto& n = static_cast<const AttrExpr&>(e);
      if (n.loop_attr != LoopAttr::kNone) {
        if (const LoopObj* loop = find_loop(n, s)) return loop->attr(n.loop_attr);
      }
      Value tmp;
      const Value& obj = object_ref(*this, *n.obj, s, tmp);
      if (obj.is_dict() && !n.dict_method) {
        if (const Value* v = obj.as_dict().find_str(n.name)) return *v;
      } else if (const NamespaceObj* ns = NamespaceObj::of(obj)) {
        if (const Value* v = ns->attrs.as_dict().find_str(n.name)) return *v;
      }
      return get_attr_name_value(obj, n.name_value);
    }
    case EK::kItem: {
      const auto& n = static_cast<const ItemExpr&>(e);
      Value obj_tmp, key_tmp;
      const Value* obj = &eval_ref(*n.obj, s, obj_tmp);
      // A key that may run template code (a call) may also move or drop what `obj` refers to.
      if (obj != &obj_tmp && !n.key_runs_no_code) obj = &(obj_tmp = *obj);
      const Value& key = eval_ref(*n.key, s, key_tmp);
      if (obj->is_dict()) {
        if (const Value* v = obj->as_dict().find(key)) return *v;
      }
      return get_item(*obj, key);
    }
    case EK::kSlice: {
      const auto& n = static_cast<const SliceExpr&>(e);
      Value obj = eval(*n.obj, s);
      Value a = n.start ? eval(*n.start, s) : Value::none();
      Value b = n.stop ? eval(*n.stop, s) : Value::none();
      Value c = n.step ? eval(*n.step, s) : Value::none();
      return slice(obj, a, b, c);
    }
    case EK::kCall:
      return eval_call(static_cast<const CallExpr&>(e), s);
    case EK::kFilter: {
      const auto& f = static_cast<const FilterExpr&>(e);
      if (f.fn && f.arg && constant_args(f.call)) {
        // A builtin filter whose arguments are literals (`x | lower`, `x | replace('a', 'b')`):
        // nothing that could change the input runs between reading it and the filter, so the
        // input is read in place.
        Value tmp;
        const Value& input = eval_ref(*f.arg, s, tmp);
        if (f.call.args.empty()) {
          // `... | map(...) | list`: list() of a list just computed that nothing else holds is that
          // list itself (no other value can tell), without a copy.
          if (f.fn == &f_list && &input == &tmp && tmp.is_list() && tmp.heap().use_count() == 1) return tmp;
          CallArgs args;
          args.render = this;
          if (!f.args_checked) check_filter_args(f.name, f.signature, args);
          return f.fn(*this, input, args);
        }
        PooledArgs pooled(*this);
        build_args(f.call, s, pooled.args);
        if (!f.args_checked) check_filter_args(f.name, f.signature, pooled.args);
        return f.fn(*this, input, pooled.args);
      }
      return apply_filter(f, f.arg ? eval(*f.arg, s) : Value(), s);
    }
    case EK::kTest:
      return Value(eval_test(static_cast<const TestExpr&>(e), s));
    case EK::kNot:
      return Value(!eval_truthy(*static_cast<const UnaryExpr&>(e).operand, s));
    case EK::kNeg:
      return negate(eval(*static_cast<const UnaryExpr&>(e).operand, s));
    case EK::kPos: {
      Value v = eval(*static_cast<const UnaryExpr&>(e).operand, s);
      if (v.is_bool()) return Value(v.as_int());
      if (v.is_number()) return v;
      if (v.is_undefined()) fail_undefined(v);
      fail_type("bad operand type for unary +: '" + v.type_name() + "'");
    }
    case EK::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value l = eval(*b.lhs, s);
      Value r = eval(*b.rhs, s);
      return binary_op(b.op, l, r, limits().max_output);
    }
    case EK::kAnd: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value tmp;
      const Value& l = eval_ref(*b.lhs, s, tmp);
      if (!l.truthy()) return l;
      return eval(*b.rhs, s);
    }
    case EK::kOr: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value tmp;
      const Value& l = eval_ref(*b.lhs, s, tmp);
      if (l.truthy()) return l;
      return eval(*b.rhs, s);
    }
    case EK::kCompare: {
      const auto& c = static_cast<const CompareExpr&>(e);
      if (c.rest.size() == 1 &&
          (c.rest[0].second->kind == EK::kConst || c.rest[0].second->kind == EK::kName)) {
        // The right side cannot run anything that changes the left one: compare in place.
        Value lt, rt;
        const Value& l = eval_ref(*c.first, s, lt);
        return Value(compare_op(c.rest[0].first, l, eval_ref(*c.rest[0].second, s, rt)));
      }
      Value left = eval(*c.first, s);
      for (const auto& [op, rhs] : c.rest) {
        Value right = eval(*rhs, s);
        if (!compare_op(op, left, right)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case EK::kCond: {
      const auto& c = static_cast<const CondExpr&>(e);
      if (eval_truthy(*c.test, s)) return eval(*c.body, s);
      if (c.orelse) return eval(*c.orelse, s);
      return c.missing_else;
    }
    case EK::kConcat: {
      const auto& c = static_cast<const ConcatExpr&>(e);
      std::string out;
      for (const auto& i : c.items) {
        eval(*i, s).append_str(out);
        if (out.size() > limits().max_output)
          throw TemplateError(ErrorKind::kLimit, "string exceeds the output size limit");
      }
      return Value(std::move(out));
    }
  }
  return Value();
}

}  // namespace pond::jinja
