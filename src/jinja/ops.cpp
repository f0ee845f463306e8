#include "jinja/ops.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "jinja/methods.hpp"

namespace pond::jinja {

void fail_undefined(const Value& v) {
  std::string hint = v.undefined_hint();
  throw TemplateError(ErrorKind::kUndefined, hint.empty() ? "'Undefined' is undefined" : hint);
}

void fail_type(const std::string& message) {
  throw TemplateError(ErrorKind::kType, message);
}

std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_object()) return v.as_object()->type_name() + " object";
  if (v.kind() == Kind::kCallable) return "function object";
  return v.type_name() + " object";
}

namespace {

[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  fail_type(std::string("unsupported operand type(s) for ") + op + ": '" + a.type_name() + "' and '" +
            b.type_name() + "'");
}

const char* op_symbol(BinOp op) {
  switch (op) {
    case BinOp::kAdd:
      return "+";
    case BinOp::kSub:
      return "-";
    case BinOp::kMul:
      return "*";
    case BinOp::kDiv:
      return "/";
    case BinOp::kFloorDiv:
      return "//";
    case BinOp::kMod:
      return "%";
    case BinOp::kPow:
      return "** or pow()";
  }
  return "?";
}

// Operators a native object implements (datetime - timedelta, ...): the left operand first, as Python.
bool object_arithmetic(BinOp op, const Value& a, const Value& b, Value& result) {
  static constexpr char kSymbols[] = {'+', '-', '*', '/'};
  if (op != BinOp::kAdd && op != BinOp::kSub && op != BinOp::kMul && op != BinOp::kDiv) return false;
  char symbol = kSymbols[static_cast<int>(op)];
  if (a.is_object() && a.as_object()->arithmetic(symbol, b, true, result)) return true;
  return b.is_object() && b.as_object()->arithmetic(symbol, a, false, result);
}

bool object_order(const Value& a, const Value& b, int& order) {
  if (a.is_object() && a.as_object()->compare(b, order)) return true;
  if (b.is_object() && b.as_object()->compare(a, order)) {
    order = -order;
    return true;
  }
  return false;
}

bool is_intlike(const Value& v) {
  return v.is_int() || v.is_bool();
}

Value repeat(const Value& seq, std::int64_t n, std::size_t max_size) {
  if (n < 0) n = 0;
  if (seq.is_str()) {
    const std::string& s = seq.as_str();
    if (!s.empty() && static_cast<std::uint64_t>(n) > max_size / s.size())
      throw TemplateError(ErrorKind::kLimit, "string repetition exceeds the output size limit");
    std::string out;
    if (s.size() == 1) {
      out.assign(static_cast<std::size_t>(n), s[0]);
    } else {
      out.reserve(s.size() * static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) out += s;
    }
    return seq.is_markup() ? Value::markup(std::move(out)) : Value(std::move(out));
  }
  const auto& items = seq.items();
  if (!items.empty() && static_cast<std::uint64_t>(n) > max_size / 16 / items.size())
    throw TemplateError(ErrorKind::kLimit, "sequence repetition exceeds the size limit");
  std::vector<Value> out;
  out.reserve(items.size() * static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

double py_fmod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

}  // namespace

Value binary_op(BinOp op, const Value& a, const Value& b, std::size_t max_size) {
  if (a.is_object() || b.is_object()) [[unlikely]] {
    Value result;
    if (object_arithmetic(op, a, b, result)) return result;
  }
  bool ints = is_intlike(a) && is_intlike(b);
  bool nums = a.is_number() && b.is_number();
  switch (op) {
    case BinOp::kAdd:
      if (ints) {
        std::int64_t r;
        if (!__builtin_add_overflow(a.as_int(), b.as_int(), &r)) return Value(r);
        return Value(a.as_float() + b.as_float());
      }
      if (nums) return Value(a.as_float() + b.as_float());
      if (a.is_str() && b.is_str()) {
        if (a.as_str().size() + b.as_str().size() > max_size)
          throw TemplateError(ErrorKind::kLimit, "string exceeds the output size limit");
        if (a.is_markup() || b.is_markup()) {
          // Markup + str escapes the plain side.
          std::string l = a.is_markup() ? a.as_str() : call_escape(a.as_str());
          std::string r = b.is_markup() ? b.as_str() : call_escape(b.as_str());
          return Value::markup(l + r);
        }
        std::string s;
        s.reserve(a.as_str().size() + b.as_str().size());
        s += a.as_str();
        s += b.as_str();
        return Value(std::move(s));
      }
      if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
        std::vector<Value> items;
        items.reserve(a.items().size() + b.items().size());
        items.insert(items.end(), a.items().begin(), a.items().end());
        items.insert(items.end(), b.items().begin(), b.items().end());
        return a.is_list() ? Value::list(std::move(items)) : Value::tuple(std::move(items));
      }
      if (a.is_list() && b.is_tuple()) fail_type("can only concatenate list (not \"tuple\") to list");
      if (a.is_tuple() && b.is_list()) fail_type("can only concatenate tuple (not \"list\") to tuple");
      if (a.is_str() && !b.is_str() && !b.is_undefined())
        fail_type("can only concatenate str (not \"" + b.type_name() + "\") to str");
      if (a.is_list() && !b.is_undefined())
        fail_type("can only concatenate list (not \"" + b.type_name() + "\") to list");
      unsupported("+", a, b);
    case BinOp::kSub:
      if (ints) {
        std::int64_t r;
        if (!__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) return Value(r);
        return Value(a.as_float() - b.as_float());
      }
      if (nums) return Value(a.as_float() - b.as_float());
      unsupported("-", a, b);
    case BinOp::kMul:
      if (ints) {
        std::int64_t r;
        if (!__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) return Value(r);
        return Value(a.as_float() * b.as_float());
      }
      if (nums) return Value(a.as_float() * b.as_float());
      if ((a.is_str() || a.is_sequence_like()) && is_intlike(b)) return repeat(a, b.as_int(), max_size);
      if ((b.is_str() || b.is_sequence_like()) && is_intlike(a)) return repeat(b, a.as_int(), max_size);
      if ((a.is_str() || a.is_sequence_like()) && !b.is_undefined())
        fail_type("can't multiply sequence by non-int of type '" + b.type_name() + "'");
      unsupported("*", a, b);
    case BinOp::kDiv:
      if (nums) {
        if (b.as_float() == 0) throw TemplateError(ErrorKind::kZeroDivision, "division by zero");
        return Value(a.as_float() / b.as_float());
      }
      unsupported("/", a, b);
    case BinOp::kFloorDiv:
      if (ints) {
        std::int64_t x = a.as_int(), y = b.as_int();
        if (y == 0) throw TemplateError(ErrorKind::kZeroDivision, "integer division or modulo by zero");
        if (x == std::numeric_limits<std::int64_t>::min() && y == -1) return Value(-static_cast<double>(x));
        std::int64_t q = x / y;
        if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
        return Value(q);
      }
      if (nums) {
        if (b.as_float() == 0) throw TemplateError(ErrorKind::kZeroDivision, "float floor division by zero");
        return Value(std::floor(a.as_float() / b.as_float()));
      }
      unsupported("//", a, b);
    case BinOp::kMod:
      if (ints) {
        std::int64_t x = a.as_int(), y = b.as_int();
        if (y == 0) throw TemplateError(ErrorKind::kZeroDivision, "integer division or modulo by zero");
        if (y == -1) return Value(std::int64_t{0});
        std::int64_t m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) m += y;
        return Value(m);
      }
      if (nums) {
        if (b.as_float() == 0) throw TemplateError(ErrorKind::kZeroDivision, "float modulo");
        return Value(py_fmod(a.as_float(), b.as_float()));
      }
      if (a.is_str()) return percent_format(a, b);
      unsupported("%", a, b);
    case BinOp::kPow:
      if (ints && b.as_int() >= 0) {
        std::int64_t base = a.as_int(), e = b.as_int(), r = 1;
        bool overflow = false;
        while (e > 0 && !overflow) {
          if (e & 1) overflow |= __builtin_mul_overflow(r, base, &r);
          e >>= 1;
          if (e > 0) overflow |= __builtin_mul_overflow(base, base, &base);
        }
        if (!overflow) return Value(r);
        return Value(std::pow(a.as_float(), b.as_float()));
      }
      if (nums) {
        if (a.as_float() == 0 && b.as_float() < 0)
          throw TemplateError(ErrorKind::kZeroDivision, "0.0 cannot be raised to a negative power");
        double r = std::pow(a.as_float(), b.as_float());
        if (std::isinf(r) && std::isfinite(a.as_float()) && std::isfinite(b.as_float()))
          throw TemplateError(ErrorKind::kOverflow, "(34, 'Numerical result out of range')");
        if (std::isnan(r) && a.as_float() < 0 && std::isfinite(b.as_float()))
          fail_type("complex results are not supported");
        return Value(r);
      }
      unsupported(op_symbol(op), a, b);
  }
  unsupported(op_symbol(op), a, b);
}

Value negate(const Value& v) {
  if (is_intlike(v)) {
    if (v.as_int() == std::numeric_limits<std::int64_t>::min()) return Value(-v.as_float());
    return Value(-v.as_int());
  }
  if (v.is_float()) return Value(-v.as_float());
  if (v.is_undefined()) fail_undefined(v);
  fail_type("bad operand type for unary -: '" + v.type_name() + "'");
}

bool less_than(const Value& a, const Value& b, const char* op) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() < b.as_float();
    return a.as_int() < b.as_int();
  }
  if (a.is_str() && b.is_str()) return a.as_str() < b.as_str();
  if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i] == y[i]) continue;
      return less_than(x[i], y[i], op);
    }
    return x.size() < y.size();
  }
  if (int order = 0; object_order(a, b, order)) return order < 0;
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  fail_type(std::string("'") + op + "' not supported between instances of '" + a.type_name() + "' and '" +
            b.type_name() + "'");
}

bool compare_op(CmpOp op, const Value& a, const Value& b) {
  switch (op) {
    case CmpOp::kEq:
      return a == b;
    case CmpOp::kNe:
      return !(a == b);
    case CmpOp::kLt:
      return less_than(a, b, "<");
    case CmpOp::kGt:
      return less_than(b, a, ">");
    case CmpOp::kLe: {
      if (a.is_number() && b.is_number()) return a.as_float() <= b.as_float();
      return a == b || less_than(a, b, "<=");
    }
    case CmpOp::kGe: {
      if (a.is_number() && b.is_number()) return a.as_float() >= b.as_float();
      return a == b || less_than(b, a, ">=");
    }
    case CmpOp::kIn:
      return contains(b, a);
    case CmpOp::kNotIn:
      return !contains(b, a);
  }
  return false;
}

namespace {
// Equal text, up to 16 bytes (names and identifiers) compared as two words with no memcmp call.
bool same_str(const std::string& a, const std::string& b) {
  std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8 && n >= 4) {  // short type names ("integer", "date"): two overlapping 4-byte words
    std::uint32_t x0, x1, y0, y1;
    std::memcpy(&x0, a.data(), 4);
    std::memcpy(&x1, a.data() + n - 4, 4);
    std::memcpy(&y0, b.data(), 4);
    std::memcpy(&y1, b.data() + n - 4, 4);
    return x0 == y0 && x1 == y1;
  }
  if (n < 8 || n > 16) return std::memcmp(a.data(), b.data(), n) == 0;
  std::uint64_t x[2], y[2];
  std::memcpy(&x[0], a.data(), 8);
  std::memcpy(&x[1], a.data() + n - 8, 8);
  std::memcpy(&y[0], b.data(), 8);
  std::memcpy(&y[1], b.data() + n - 8, 8);
  return x[0] == y[0] && x[1] == y[1];
}
}  // namespace

bool contains(const Value& c, const Value& item) {
  switch (c.kind()) {
    case Kind::kStr:
      if (!item.is_str()) {
        if (item.is_undefined()) fail_undefined(item);
        fail_type("'in <string>' requires string as left operand, not " + item.type_name());
      }
      return c.as_str().find(item.as_str()) != std::string::npos;
    case Kind::kList:
    case Kind::kTuple:
      if (item.is_str()) {
        // A str equals only a str: compare the text in place.
        const std::string& s = item.as_str();
        for (const auto& v : c.items())
          if (v.is_str() && same_str(v.as_str(), s)) return true;
        return false;
      }
      for (const auto& v : c.items())
        if (v == item) return true;
      return false;
    case Kind::kDict:
      return c.as_dict().find(item) != nullptr;
    case Kind::kUndefined:
      return false;  // Undefined iterates as empty
    case Kind::kObject:
      if (c.as_object()->iterable()) {
        for (const auto& v : c.as_object()->iterate())
          if (v == item) return true;
        return false;
      }
      [[fallthrough]];
    default:
      fail_type("argument of type '" + c.type_name() + "' is not iterable");
  }
}

namespace {
// object_type_repr as a string literal, for the types whose name is fixed (not native objects).
const char* fixed_type_repr(const Value& v) {
  switch (v.kind()) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool object";
    case Kind::kInt:
      return "int object";
    case Kind::kFloat:
      return "float object";
    case Kind::kStr:
      return v.is_markup() ? "Markup object" : "str object";
    case Kind::kList:
      return "list object";
    case Kind::kTuple:
      return "tuple object";
    case Kind::kDict:
      return "dict object";
    case Kind::kCallable:
      return "function object";
    default:
      return nullptr;
  }
}

// `name` is the attribute's text; `name_value` the same text as a str value when the caller has one.
Value missing_attr(const Value& obj, std::string_view name, const Value* name_value = nullptr) {
  if (const char* owner = fixed_type_repr(obj))
    return name_value ? Value::missing_attribute(owner, *name_value) : Value::missing_attribute(owner, name);
  return Value::undefined("'" + object_type_repr(obj) + "' has no attribute '" + std::string(name) + "'");
}
Value missing_item(const Value& obj, const Value& key) {
  if (key.is_str()) return missing_attr(obj, key.as_str(), &key);
  return Value::undefined(object_type_repr(obj) + " has no element " + key.repr());
}

bool seq_index(const Value& obj, const Value& key, Value& out) {
  if (!key.is_int() && !key.is_bool()) return false;
  std::int64_t i = key.as_int();
  if (obj.is_str()) {
    const std::string& s = obj.as_str();
    if (is_ascii(s)) {
      auto n = static_cast<std::int64_t>(s.size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return false;
      out = Value(std::string(1, s[static_cast<std::size_t>(i)]));
      return true;
    }
    auto chars = utf8_chars(s);
    auto n = static_cast<std::int64_t>(chars.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return false;
    out = Value(std::string(chars[static_cast<std::size_t>(i)]));
    return true;
  }
  const auto& items = obj.items();
  auto n = static_cast<std::int64_t>(items.size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) return false;
  out = items[static_cast<std::size_t>(i)];
  return true;
}
}  // namespace

namespace {
Value get_attr_impl(const Value& obj, std::string_view name, const Value* name_value) {
  switch (obj.kind()) {
    case Kind::kUndefined:
      fail_undefined(obj);
    case Kind::kDict: {
      if (has_method(obj, name)) return bound_method(obj, name);
      if (const Value* v = obj.as_dict().find_str(name)) return *v;
      return missing_attr(obj, name, name_value);
    }
    case Kind::kObject: {
      Value v = obj.as_object()->get_attr(name);
      if (v.is_undefined()) {
        if (obj.as_object()->has_method(name)) return bound_method(obj, name);
        if (!v.has_undefined_hint()) return missing_attr(obj, name, name_value);
      }
      return v;
    }
    case Kind::kCallable: {
      Value v = obj.as_callable()->get_attr(name);
      if (!v.is_undefined()) return v;
      return missing_attr(obj, name, name_value);
    }
    default:
      if (has_method(obj, name)) return bound_method(obj, name);
      if (obj.is_tuple() && obj.items().size() == 2 && (name == "grouper" || name == "list"))
        return obj.items()[name == "grouper" ? 0 : 1];  // groupby's named tuples
      if (obj.is_int() || obj.is_bool()) {
        if (name == "real" || name == "numerator") return Value(obj.as_int());
        if (name == "imag") return Value(std::int64_t{0});
        if (name == "denominator") return Value(std::int64_t{1});
      }
      if (obj.is_float()) {
        if (name == "real") return obj;
        if (name == "imag") return Value(0.0);
      }
      return missing_attr(obj, name, name_value);
  }
}
}  // namespace

Value get_attr(const Value& obj, std::string_view name) {
  return get_attr_impl(obj, name, nullptr);
}

Value get_attr_name_value(const Value& obj, const Value& name) {
  return get_attr_impl(obj, name.as_str(), &name);
}

Value get_item(const Value& obj, const Value& key) {
  Value out;
  switch (obj.kind()) {
    case Kind::kUndefined:
      fail_undefined(obj);
    case Kind::kDict:
      if (const Value* v = obj.as_dict().find(key)) return *v;
      break;
    case Kind::kList:
    case Kind::kTuple:
    case Kind::kStr:
      if (seq_index(obj, key, out)) return out;
      break;
    case Kind::kObject: {
      Value v = obj.as_object()->get_item(key);
      if (!v.is_undefined() || v.has_undefined_hint()) return v;
      break;
    }
    default:
      break;
  }
  if (key.is_str()) {
    if (obj.is_object()) return missing_item(obj, key);
    if (has_method(obj, key.as_str())) return bound_method(obj, key.as_str());
  }
  return missing_item(obj, key);
}

Value slice(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (obj.is_undefined()) fail_undefined(obj);
  auto to_opt = [](const Value& v, const char* what) -> std::optional<std::int64_t> {
    if (v.is_none() || v.is_undefined()) return std::nullopt;
    if (v.is_int() || v.is_bool()) return v.as_int();
    (void)what;
    fail_type("slice indices must be integers or None or have an __index__ method");
  };
  auto step_o = to_opt(step_v, "step");
  std::int64_t step = step_o.value_or(1);
  if (step == 0) throw TemplateError(ErrorKind::kValue, "slice step cannot be zero");
  std::vector<std::string_view> chars;
  std::int64_t n;
  if (obj.is_str()) {
    chars = utf8_chars(obj.as_str());
    n = static_cast<std::int64_t>(chars.size());
  } else if (obj.is_sequence_like()) {
    n = static_cast<std::int64_t>(obj.items().size());
  } else if (obj.is_object() && obj.as_object()->iterable()) {
    return slice(Value::list(obj.as_object()->iterate()), start_v, stop_v, step_v);
  } else {
    fail_type("'" + obj.type_name() + "' object is not subscriptable");
  }
  auto clamp = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
    if (!v) return dflt;
    std::int64_t i = *v;
    if (i < 0) {
      i += n;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= n) {
      i = step < 0 ? n - 1 : n;
    }
    return i;
  };
  std::int64_t start = clamp(to_opt(start_v, "start"), step < 0 ? n - 1 : 0);
  std::int64_t stop = clamp(to_opt(stop_v, "stop"), step < 0 ? -1 : n);
  std::vector<std::size_t> idx;
  if (step > 0)
    for (std::int64_t i = start; i < stop; i += step) idx.push_back(static_cast<std::size_t>(i));
  else
    for (std::int64_t i = start; i > stop; i += step) idx.push_back(static_cast<std::size_t>(i));
  if (obj.is_str()) {
    std::string s;
    for (auto i : idx) s += chars[i];
    return Value(std::move(s));
  }
  std::vector<Value> out;
  out.reserve(idx.size());
  for (auto i : idx) out.push_back(obj.items()[i]);
  return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return {};
    case Kind::kList:
    case Kind::kTuple:
      return v.items();
    case Kind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.as_dict().size());
      for (const auto& e : v.as_dict().entries()) keys.push_back(e.first);
      return keys;
    }
    case Kind::kStr: {
      std::vector<Value> out;
      for (auto c : utf8_chars(v.as_str())) out.emplace_back(std::string(c));
      return out;
    }
    case Kind::kObject:
      if (v.as_object()->iterable()) return v.as_object()->iterate();
      [[fallthrough]];
    default:
      fail_type("'" + v.type_name() + "' object is not iterable");
  }
}

std::int64_t length(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return 0;
    case Kind::kStr:
      return utf8_length(v.as_str());
    case Kind::kList:
    case Kind::kTuple:
      return static_cast<std::int64_t>(v.items().size());
    case Kind::kDict:
      return static_cast<std::int64_t>(v.as_dict().size());
    case Kind::kObject:
      if (v.as_object()->iterable()) return static_cast<std::int64_t>(v.as_object()->iterate().size());
      [[fallthrough]];
    default:
      fail_type("object of type '" + v.type_name() + "' has no len()");
  }
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::vector<std::string_view> utf8_chars(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + n > s.size()) n = 1;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::int64_t utf8_length(std::string_view s) {
  std::int64_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

bool is_py_space(std::string_view s, std::size_t i, std::size_t* len) {
  char c = s[i];
  *len = 1;
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\x1c' ||
      c == '\x1d' || c == '\x1e' || c == '\x1f')
    return true;
  auto u = static_cast<unsigned char>(c);
  if (u == 0xC2 && i + 1 < s.size() &&
      (static_cast<unsigned char>(s[i + 1]) == 0x85 || static_cast<unsigned char>(s[i + 1]) == 0xA0)) {
    *len = 2;
    return true;
  }
  if (u == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
    auto t = static_cast<unsigned char>(s[i + 2]);
    if ((t >= 0x80 && t <= 0x8A) || t == 0xA8 || t == 0xA9 || t == 0xAF) {
      *len = 3;
      return true;
    }
  }
  if (u == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      static_cast<unsigned char>(s[i + 2]) == 0x80) {
    *len = 3;
    return true;
  }
  return false;
}

}  // namespace pond::jinja
