#include "jinja/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "jinja/error.hpp"

namespace pond::jinja {

Value CallableObj::get_attr(std::string_view) const {
  return Value();
}

// ---- NativeObject defaults ----

Value NativeObject::get_attr(std::string_view) const {
  return Value();
}
Value NativeObject::get_item(const Value& key) const {
  if (key.is_str()) return get_attr(key.as_str());
  return Value();
}
Value NativeObject::call(CallArgs&) {
  throw TemplateError(ErrorKind::kType, "'" + type_name() + "' object is not callable");
}
bool NativeObject::call_method(std::string_view name, CallArgs& args, Value& result) {
  Value m = get_attr(name);
  if (m.kind() == Kind::kCallable) {
    result = m.as_callable()->call(args);
    return true;
  }
  if (m.is_object() && m.as_object()->callable()) {
    result = m.as_object()->call(args);
    return true;
  }
  return false;
}
bool NativeObject::set_attr(std::string_view, const Value&) {
  return false;
}
std::vector<Value> NativeObject::iterate() const {
  return {};
}

// ---- Value construction ----

// An Undefined's hint is the text in obj_ (a StrObj) plus u_.owner saying how to read it: null, the
// text is the whole message; kUnboundName, the text is a name that is not bound; else the text is
// an attribute name and u_.owner the type of the value that lacks it.
namespace {
constexpr char kUnboundName[] = "";
}  // namespace

Value Value::undefined(std::string hint) {
  Value v;
  if (!hint.empty()) v.obj_ = std::make_shared<StrObj>(std::move(hint));
  return v;
}

Value Value::missing_attribute(const char* owner, std::string_view name) {
  Value v;
  v.obj_ = std::make_shared<StrObj>(std::string(name));
  v.u_.owner = owner;
  return v;
}

Value Value::missing_attribute(const char* owner, const Value& name) {
  Value v;
  v.obj_ = name.obj_;  // str values are immutable: share the text
  v.u_.owner = owner;
  return v;
}

Value Value::undefined_name(std::string_view name) {
  Value v;
  v.obj_ = std::make_shared<StrObj>(std::string(name));
  v.u_.owner = kUnboundName;
  return v;
}

Value Value::markup(std::string s) {
  Value v(std::move(s));
  v.markup_ = true;
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kList;
  auto l = std::make_shared<ListObj>();
  l->items = std::move(items);
  v.obj_ = std::move(l);
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.kind_ = Kind::kTuple;
  return v;
}

Value Value::dict() {
  Value v;
  v.kind_ = Kind::kDict;
  v.obj_ = std::make_shared<DictObj>();
  return v;
}

namespace {
class NativeFunctionObj final : public CallableObj {
 public:
  NativeFunctionObj(std::string name, NativeFunction fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  Value call(CallArgs& args) const override { return fn_(args); }
  std::string repr() const override { return "<function " + name_ + ">"; }

 private:
  std::string name_;
  NativeFunction fn_;
};
}  // namespace

Value Value::function(std::string name, NativeFunction fn) {
  return callable(std::make_shared<NativeFunctionObj>(std::move(name), std::move(fn)));
}

Value Value::callable(std::shared_ptr<CallableObj> c) {
  Value v;
  v.kind_ = Kind::kCallable;
  v.obj_ = std::move(c);
  return v;
}

Value Value::object(std::shared_ptr<NativeObject> o) {
  Value v;
  v.kind_ = Kind::kObject;
  v.obj_ = std::move(o);
  return v;
}

bool Value::is_callable() const {
  if (kind_ == Kind::kCallable) return true;
  if (kind_ == Kind::kObject) return as_object()->callable();
  return false;
}

double Value::as_float() const {
  switch (kind_) {
    case Kind::kFloat:
      return u_.f;
    case Kind::kInt:
      return static_cast<double>(u_.i);
    case Kind::kBool:
      return u_.b ? 1.0 : 0.0;
    default:
      return 0.0;
  }
}

std::string Value::undefined_hint() const {
  if (kind_ != Kind::kUndefined || !obj_) return {};
  const std::string& text = static_cast<const StrObj*>(obj_.get())->s;
  if (!u_.owner) return text;
  if (u_.owner == kUnboundName) return "'" + text + "' is undefined";
  std::string_view owner = u_.owner;
  std::string msg;
  msg.reserve(owner.size() + text.size() + 22);
  msg += '\'';
  msg += owner;
  msg += "' has no attribute '";
  msg += text;
  msg += '\'';
  return msg;
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return u_.b;
    case Kind::kInt:
      return u_.i != 0;
    case Kind::kFloat:
      return u_.f != 0.0;
    case Kind::kStr:
      return !as_str().empty();
    case Kind::kList:
    case Kind::kTuple:
      return !items().empty();
    case Kind::kDict:
      return as_dict().size() != 0;
    case Kind::kCallable:
      return true;
    case Kind::kObject:
      return as_object()->truthy();
  }
  return false;
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kStr:
      return markup_ ? "Markup" : "str";
    case Kind::kList:
      return "list";
    case Kind::kTuple:
      return "tuple";
    case Kind::kDict:
      return "dict";
    case Kind::kCallable:
      return "function";
    case Kind::kObject:
      return as_object()->type_name();
  }
  return "object";
}

// ---- printing ----

namespace {
// Recursion guard for printing/comparing nested (possibly self-containing) containers.
thread_local int nesting_depth = 0;
struct NestingGuard {
  NestingGuard() {
    if (++nesting_depth > 400) {
      --nesting_depth;
      throw TemplateError(ErrorKind::kLimit,
                          "maximum recursion depth exceeded while printing or comparing a value");
    }
  }
  ~NestingGuard() { --nesting_depth; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;
};
}  // namespace

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0.0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci: [-]d[.ddd]e[+-]XX
  bool neg = sci[0] == '-';
  std::size_t start = neg ? 1 : 0;
  std::size_t epos = sci.find('e');
  std::string digits;
  for (std::size_t i = start; i < epos; ++i)
    if (sci[i] != '.') digits += sci[i];
  int exp = std::atoi(sci.c_str() + epos + 1);
  std::string out = neg ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exp - 1), '0');
      out += digits;
    } else {
      std::size_t int_len = static_cast<std::size_t>(exp) + 1;
      if (digits.size() <= int_len) {
        out += digits;
        out.append(int_len - digits.size(), '0');
        out += ".0";
      } else {
        out += digits.substr(0, int_len);
        out += '.';
        out += digits.substr(int_len);
      }
    }
    return out;
  }
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  char eb[16];
  std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  out += eb;
  return out;
}

namespace {
// Decodes one UTF-8 code point at s[i]; returns its length (1 for invalid bytes).
std::size_t utf8_len(std::string_view s, std::size_t i, std::uint32_t& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (n == 1 || i + n > s.size()) {
    cp = c;
    return 1;
  }
  cp = c & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return n;
}
}  // namespace

void append_str_repr(std::string& out, std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char q = (has_single && !has_double) ? '"' : '\'';
  out += q;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp;
    std::size_t n = utf8_len(s, i, cp);
    char c = s[i];
    if (n > 1) {
      // Non-printable code points in the C1 range get escaped; others are printed as is.
      if (cp >= 0x80 && cp < 0xA0) {
        char b[8];
        std::snprintf(b, sizeof b, "\\x%02x", cp);
        out += b;
      } else if (cp == 0xA0 || cp == 0xAD || cp == 0x2028 || cp == 0x2029) {
        char b[12];
        if (cp <= 0xFF)
          std::snprintf(b, sizeof b, "\\x%02x", cp);
        else
          std::snprintf(b, sizeof b, "\\u%04x", cp);
        out += b;
      } else {
        out.append(s.substr(i, n));
      }
    } else if (c == q || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned char>(c));
      out += b;
    } else {
      out += c;
    }
    i += n;
  }
  out += q;
}

void Value::append_str_other(std::string& out) const {
  switch (kind_) {
    case Kind::kUndefined:
      return;
    case Kind::kNone:
      out += "None";
      return;
    case Kind::kBool:
      out += u_.b ? "True" : "False";
      return;
    case Kind::kInt: {
      char b[24];
      auto r = std::to_chars(b, b + sizeof b, u_.i);
      out.append(b, r.ptr);
      return;
    }
    case Kind::kFloat:
      out += float_repr(u_.f);
      return;
    case Kind::kStr:
      out += as_str();
      return;
    case Kind::kObject:
      out += as_object()->str();
      return;
    default:
      append_repr(out);
      return;
  }
}

void Value::append_repr(std::string& out) const {
  NestingGuard guard;
  switch (kind_) {
    case Kind::kUndefined:
      out += "Undefined";
      return;
    case Kind::kStr:
      if (markup_) {
        out += "Markup(";
        append_str_repr(out, as_str());
        out += ')';
      } else {
        append_str_repr(out, as_str());
      }
      return;
    case Kind::kList:
    case Kind::kTuple: {
      bool tup = kind_ == Kind::kTuple;
      out += tup ? '(' : '[';
      const auto& it = items();
      for (std::size_t i = 0; i < it.size(); ++i) {
        if (i) out += ", ";
        it[i].append_repr(out);
      }
      if (tup && it.size() == 1) out += ',';
      out += tup ? ')' : ']';
      return;
    }
    case Kind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : as_dict().entries()) {
        if (!first) out += ", ";
        first = false;
        k.append_repr(out);
        out += ": ";
        v.append_repr(out);
      }
      out += '}';
      return;
    }
    case Kind::kCallable:
      out += as_callable()->repr();
      return;
    case Kind::kObject:
      out += as_object()->repr();
      return;
    default:
      append_str(out);
      return;
  }
}

std::string Value::str() const {
  if (kind_ == Kind::kStr) return as_str();
  std::string s;
  append_str(s);
  return s;
}

std::string Value::repr() const {
  std::string s;
  append_repr(s);
  return s;
}

// ---- equality and hashing (Python semantics: 1 == 1.0 == True) ----

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind_ == Kind::kFloat || b.kind_ == Kind::kFloat) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kStr:
      return a.as_str() == b.as_str();
    case Kind::kList:
    case Kind::kTuple: {
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      if (a.obj_ == b.obj_) return true;
      NestingGuard guard;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!(x[i] == y[i])) return false;
      return true;
    }
    case Kind::kDict: {
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.size() != y.size()) return false;
      if (a.obj_ == b.obj_) return true;
      NestingGuard guard;
      for (const auto& [k, v] : x.entries()) {
        const Value* o = y.find(k);
        if (!o || !(*o == v)) return false;
      }
      return true;
    }
    case Kind::kObject: {
      int order = 0;
      return a.obj_ == b.obj_ || (a.as_object()->compare(b, order) && order == 0);
    }
    default:
      return a.obj_ == b.obj_;
  }
}

std::size_t Value::hash() const {
  switch (kind_) {
    case Kind::kBool:
    case Kind::kInt:
      return std::hash<std::int64_t>{}(as_int());
    case Kind::kFloat: {
      double f = u_.f;
      if (f == std::floor(f) && std::fabs(f) < 9e18)
        return std::hash<std::int64_t>{}(static_cast<std::int64_t>(f));
      return std::hash<double>{}(f);
    }
    case Kind::kStr:
      return str_hash(as_str());
    case Kind::kTuple:
    case Kind::kList: {
      NestingGuard guard;
      std::size_t h = 0x345678;
      for (const auto& v : items()) h = h * 1000003 ^ v.hash();
      return h;
    }
    case Kind::kNone:
      return 0x9e3779b9;
    case Kind::kUndefined:
      return 0x12345;
    default:
      return std::hash<const void*>{}(obj_.get());
  }
}

// ---- call arguments ----

const Value* CallArgs::kwarg(std::string_view name) const {
  for (const auto& [k, v] : kwargs)
    if (k == name) return &v;
  return nullptr;
}

Value CallArgs::get(std::size_t i, std::string_view name, Value fallback) const {
  if (i < args.size()) return args[i];
  if (const Value* v = kwarg(name)) return *v;
  return fallback;
}

}  // namespace pond::jinja
