// Jinja2's builtin tests (jinja2/tests.py): `x is defined`, `n is divisibleby 3`, ...
#include <cmath>

#include "jinja/filters_util.hpp"
#include "jinja/interp.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"
#include "jinja/parser.hpp"

namespace pond::jinja {

namespace {

using Args = CallArgs;

// The test's argument, read in place (tests run per item in select/reject).
const Value& arg0(const Args& a, const char* name) {
  if (!a.args.empty()) return a.args[0];
  if (a.kwargs.empty())
    throw TemplateError(ErrorKind::kType, std::string("test requires an argument '") + name + "'");
  static const Value kMissing;  // immutable: an Undefined without a hint
  const Value* v = a.kwarg(name);
  return v ? *v : kMissing;
}

bool t_defined(Interp&, const Value& v, Args&) {
  return !v.is_undefined();
}
bool t_undefined(Interp&, const Value& v, Args&) {
  return v.is_undefined();
}
bool t_none(Interp&, const Value& v, Args&) {
  return v.is_none();
}
bool t_boolean(Interp&, const Value& v, Args&) {
  return v.is_bool();
}
bool t_true(Interp&, const Value& v, Args&) {
  return v.is_bool() && v.as_bool();
}
bool t_false(Interp&, const Value& v, Args&) {
  return v.is_bool() && !v.as_bool();
}
bool t_integer(Interp&, const Value& v, Args&) {
  return v.is_int();
}
bool t_float(Interp&, const Value& v, Args&) {
  return v.is_float();
}
bool t_number(Interp&, const Value& v, Args&) {
  return v.is_number();
}
bool t_string(Interp&, const Value& v, Args&) {
  return v.is_str();
}
bool t_mapping(Interp&, const Value& v, Args&) {
  return v.is_dict() || (v.is_object() && v.as_object()->is_mapping());
}
bool t_iterable(Interp&, const Value& v, Args&) {
  return v.is_str() || v.is_sequence_like() || v.is_dict() || v.is_undefined() ||
         (v.is_object() && v.as_object()->iterable());
}
bool t_sequence(Interp&, const Value& v, Args&) {
  return v.is_str() || v.is_sequence_like() || v.is_dict() || v.is_undefined() ||
         (v.is_object() && v.as_object()->iterable());
}
bool t_callable(Interp&, const Value& v, Args&) {
  return v.is_callable() || v.is_undefined();
}
bool t_sameas(Interp&, const Value& v, Args& a) {
  Value o = arg0(a, "other");
  if (v.kind() != o.kind()) return false;
  switch (v.kind()) {
    case Kind::kNone:
    case Kind::kUndefined:
      return v.heap() == o.heap();
    case Kind::kBool:
      return v.as_bool() == o.as_bool();
    case Kind::kInt:
      return v.as_int() == o.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case Kind::kFloat:
      return false;
    default:
      return v.heap() == o.heap();
  }
}
bool t_escaped(Interp&, const Value& v, Args&) {
  return v.is_markup();
}
bool t_lower(Interp&, const Value& v, Args&) {
  Value r;
  Args none;
  call_method(Value(v.str()), "islower", none, r);
  return r.truthy();
}
bool t_upper(Interp&, const Value& v, Args&) {
  Value r;
  Args none;
  call_method(Value(v.str()), "isupper", none, r);
  return r.truthy();
}
bool t_even(Interp& in, const Value& v, Args&) {
  return binary_op(BinOp::kMod, v, Value(std::int64_t{2}), in.limits().max_output) == Value(std::int64_t{0});
}
bool t_odd(Interp& in, const Value& v, Args&) {
  return binary_op(BinOp::kMod, v, Value(std::int64_t{2}), in.limits().max_output) == Value(std::int64_t{1});
}
bool t_divisibleby(Interp& in, const Value& v, Args& a) {
  return binary_op(BinOp::kMod, v, arg0(a, "num"), in.limits().max_output) == Value(std::int64_t{0});
}
bool t_in(Interp&, const Value& v, Args& a) {
  return contains(arg0(a, "seq"), v);
}
bool t_eq(Interp&, const Value& v, Args& a) {
  return v == arg0(a, "other");
}
bool t_ne(Interp&, const Value& v, Args& a) {
  return !(v == arg0(a, "other"));
}
bool t_lt(Interp&, const Value& v, Args& a) {
  return compare_op(CmpOp::kLt, v, arg0(a, "other"));
}
bool t_le(Interp&, const Value& v, Args& a) {
  return compare_op(CmpOp::kLe, v, arg0(a, "other"));
}
bool t_gt(Interp&, const Value& v, Args& a) {
  return compare_op(CmpOp::kGt, v, arg0(a, "other"));
}
bool t_ge(Interp&, const Value& v, Args& a) {
  return compare_op(CmpOp::kGe, v, arg0(a, "other"));
}
bool t_filter(Interp& in, const Value& v, Args&) {
  return v.is_str() && (find_builtin_filter(v.as_str()) || in.env().find_filter(v.as_str()));
}
bool t_test(Interp& in, const Value& v, Args&) {
  return v.is_str() && (find_builtin_test(v.as_str()) || in.env().find_test(v.as_str()));
}

struct TestEntry {
  std::string_view name;
  TestFn fn;
};

constexpr TestEntry kTests[] = {
    {"defined", t_defined},
    {"undefined", t_undefined},
    {"none", t_none},
    {"boolean", t_boolean},
    {"true", t_true},
    {"false", t_false},
    {"integer", t_integer},
    {"float", t_float},
    {"number", t_number},
    {"string", t_string},
    {"mapping", t_mapping},
    {"iterable", t_iterable},
    {"sequence", t_sequence},
    {"callable", t_callable},
    {"sameas", t_sameas},
    {"escaped", t_escaped},
    {"lower", t_lower},
    {"upper", t_upper},
    {"even", t_even},
    {"odd", t_odd},
    {"divisibleby", t_divisibleby},
    {"in", t_in},
    {"eq", t_eq},
    {"equalto", t_eq},
    {"==", t_eq},
    {"ne", t_ne},
    {"!=", t_ne},
    {"lt", t_lt},
    {"lessthan", t_lt},
    {"<", t_lt},
    {"le", t_le},
    {"<=", t_le},
    {"gt", t_gt},
    {"greaterthan", t_gt},
    {">", t_gt},
    {"ge", t_ge},
    {">=", t_ge},
    {"filter", t_filter},
    {"test", t_test},
};

}  // namespace

TestFn find_builtin_test(std::string_view name) {
  for (const auto& t : kTests)
    if (t.name == name) return t.fn;
  return nullptr;
}

}  // namespace pond::jinja

namespace pond::jinja {

int builtin_test_arity(std::string_view name) {
  static constexpr std::string_view kOneArg[] = {
      "sameas",   "divisibleby", "in", "eq", "equalto", "==",          "ne", "!=", "lt",
      "lessthan", "<",           "le", "<=", "gt",      "greaterthan", ">",  "ge", ">="};
  for (auto n : kOneArg)
    if (n == name) return 1;
  return 0;
}

}  // namespace pond::jinja
