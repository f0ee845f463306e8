#include "jinja/methods.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include "jinja/error.hpp"
#include "jinja/methods_internal.hpp"
#include "jinja/objects.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

namespace {

constexpr std::array<std::string_view, 44> kStrMethods = {
    "upper",    "lower",      "strip",        "lstrip",       "rstrip",       "split",      "rsplit",
    "replace",  "startswith", "endswith",     "format",       "join",         "title",      "capitalize",
    "find",     "rfind",      "count",        "index",        "rindex",       "isdigit",    "isalpha",
    "isalnum",  "isspace",    "islower",      "isupper",      "istitle",      "isnumeric",  "isdecimal",
    "center",   "ljust",      "rjust",        "zfill",        "splitlines",   "partition",  "rpartition",
    "swapcase", "casefold",   "removeprefix", "removesuffix", "isidentifier", "format_map", "expandtabs",
    "isascii",  "encode"};
constexpr std::array<std::string_view, 11> kListMethods = {
    "append", "extend", "pop", "index", "count", "insert", "remove", "reverse", "sort", "clear", "copy"};
constexpr std::array<std::string_view, 11> kDictMethods = {
    "get", "items", "keys", "values", "update", "pop", "setdefault", "copy", "clear", "popitem", "fromkeys"};

// A fixed set of names in an open-addressing table built at compile time, keyed on the length and
// the first and last bytes: `has_method` runs on every attribute access of a dict (methods win over
// keys), where scanning the whole list cost more than the lookup that follows.
template <std::size_t N>
class NameSet {
 public:
  constexpr explicit NameSet(const std::array<std::string_view, N>& names) {
    for (auto n : names) {
      std::size_t s = slot(n);
      while (!table_[s].empty()) s = (s + 1) & kMask;
      table_[s] = n;
    }
  }
  constexpr bool contains(std::string_view n) const {
    if (n.empty()) return false;
    for (std::size_t s = slot(n);; s = (s + 1) & kMask) {
      if (table_[s].empty()) return false;
      if (table_[s] == n) return true;
    }
  }

 private:
  static constexpr std::size_t kSize = std::bit_ceil(N * 4);
  static constexpr std::size_t kMask = kSize - 1;
  static constexpr std::size_t slot(std::string_view n) {
    return (n.size() * 31 + static_cast<unsigned char>(n[0]) * 7 + static_cast<unsigned char>(n.back())) &
           kMask;
  }
  std::array<std::string_view, kSize> table_{};
};

// Indexed by MethodId.
constexpr std::array<std::string_view, 20> kMethodNames = {
    "",        "get",      "items",  "keys",   "values", "update", "pop",    "setdefault", "copy",    "clear",
    "popitem", "fromkeys", "append", "extend", "index",  "count",  "insert", "remove",     "reverse", "sort"};

constexpr NameSet kStrMethodSet{kStrMethods};
constexpr NameSet kListMethodSet{kListMethods};
constexpr NameSet kDictMethodSet{kDictMethods};

class BoundMethod final : public CallableObj {
 public:
  BoundMethod(Value obj, std::string name) : obj_(std::move(obj)), name_(std::move(name)) {}
  Value call(CallArgs& args) const override {
    Value r;
    if (!call_method(obj_, name_, args, r))
      throw TemplateError(ErrorKind::kAttribute,
                          "'" + obj_.type_name() + "' object has no attribute '" + name_ + "'");
    return r;
  }
  std::string repr() const override {
    return "<built-in method " + name_ + " of " + obj_.type_name() + " object>";
  }

 private:
  Value obj_;
  std::string name_;
};

bool list_method(const Value& self, MethodId id, CallArgs& a, Value& r) {
  auto& items = self.items();
  bool tuple = self.is_tuple();
  auto need = [&](std::size_t n) {
    if (a.args.size() < n)
      fail_type(std::string(method_name(id)) + "() takes exactly " + std::to_string(n) + " argument (" +
                std::to_string(a.args.size()) + " given)");
  };
  if (id == MethodId::kIndex) {
    need(1);
    auto n = static_cast<std::int64_t>(items.size());
    auto norm = [&](std::int64_t v) {
      if (v < 0) v = std::max<std::int64_t>(0, v + n);
      return std::min(v, n);
    };
    auto lo = static_cast<std::size_t>(norm(int_arg(a, 1, 0)));
    auto hi = static_cast<std::size_t>(norm(int_arg(a, 2, n)));
    for (std::size_t i = lo; i < hi; ++i)
      if (items[i] == a.args[0]) {
        r = Value(static_cast<std::int64_t>(i));
        return true;
      }
    throw TemplateError(ErrorKind::kValue, a.args[0].repr() + " is not in " + (tuple ? "tuple" : "list"));
  }
  if (id == MethodId::kCount) {
    need(1);
    r = Value(static_cast<std::int64_t>(std::count(items.begin(), items.end(), a.args[0])));
    return true;
  }
  if (tuple) return false;
  if (id == MethodId::kAppend) {  // the common one first
    need(1);
    items.push_back(a.args[0]);
    r = Value::none();
    return true;
  }
  switch (id) {
    case MethodId::kExtend:
    case MethodId::kPop:
    case MethodId::kInsert:
    case MethodId::kRemove:
    case MethodId::kReverse:
    case MethodId::kSort:
    case MethodId::kClear:
    case MethodId::kCopy:
      break;
    default:
      return false;
  }
  r = Value::none();
  if (id == MethodId::kExtend) {
    need(1);
    std::vector<Value> more = iterate(a.args[0]);
    items.insert(items.end(), more.begin(), more.end());
  } else if (id == MethodId::kPop) {
    if (items.empty()) throw TemplateError(ErrorKind::kIndex, "pop from empty list");
    std::int64_t i = int_arg(a, 0, -1);
    auto n = static_cast<std::int64_t>(items.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw TemplateError(ErrorKind::kIndex, "pop index out of range");
    r = items[static_cast<std::size_t>(i)];
    items.erase(items.begin() + i);
  } else if (id == MethodId::kInsert) {
    need(2);
    std::int64_t i = int_arg(a, 0, 0);
    auto n = static_cast<std::int64_t>(items.size());
    if (i < 0) i = std::max<std::int64_t>(0, i + n);
    if (i > n) i = n;
    items.insert(items.begin() + i, a.args[1]);
  } else if (id == MethodId::kRemove) {
    need(1);
    auto it = std::find(items.begin(), items.end(), a.args[0]);
    if (it == items.end()) throw TemplateError(ErrorKind::kValue, "list.remove(x): x not in list");
    items.erase(it);
  } else if (id == MethodId::kReverse) {
    std::reverse(items.begin(), items.end());
  } else if (id == MethodId::kSort) {
    bool rev = a.kwarg("reverse") && a.kwarg("reverse")->truthy();
    std::stable_sort(items.begin(), items.end(),
                     [&](const Value& x, const Value& y) { return rev ? less_than(y, x) : less_than(x, y); });
  } else if (id == MethodId::kClear) {
    items.clear();
  } else {
    r = Value::list(items);  // copy
  }
  return true;
}

bool dict_method(const Value& self, MethodId id, CallArgs& a, Value& r) {
  DictObj& d = self.as_dict();
  switch (id) {
    case MethodId::kGet: {
      if (a.args.empty()) fail_type("get expected at least 1 argument, got 0");
      const Value* v = d.find(a.args[0]);
      // Assigned directly (a conditional expression would copy into a temporary first).
      if (v)
        r = *v;
      else if (a.args.size() > 1)
        r = a.args[1];
      else
        r = Value::none();
      return true;
    }
    case MethodId::kItems:
    case MethodId::kKeys:
    case MethodId::kValues:
    case MethodId::kUpdate:
    case MethodId::kPop:
    case MethodId::kSetdefault:
    case MethodId::kCopy:
    case MethodId::kClear:
    case MethodId::kPopitem:
    case MethodId::kFromkeys:
      break;
    default:
      return false;
  }
  if (id == MethodId::kItems) {
    std::vector<Value> out;
    out.reserve(d.size());
    for (const auto& [k, v] : d.entries()) out.push_back(Value::tuple({k, v}));
    r = Value::object(std::make_shared<DictViewObj>("dict_items", std::move(out)));
  } else if (id == MethodId::kKeys || id == MethodId::kValues) {
    const bool keys = id == MethodId::kKeys;
    std::vector<Value> out;
    out.reserve(d.size());
    for (const auto& [k, v] : d.entries()) out.push_back(keys ? k : v);
    r = Value::object(std::make_shared<DictViewObj>(keys ? "dict_keys" : "dict_values", std::move(out)));
  } else if (id == MethodId::kUpdate) {
    if (!a.args.empty()) {
      const Value& o = a.args[0];
      if (o.is_dict() && &o.as_dict() != &d) {
        for (const auto& [k, v] : o.as_dict().entries()) d.set(k, v);
      } else if (o.is_dict()) {
        auto entries = o.as_dict().entries();  // d.update(d): a copy, as set() may grow d
        for (auto& [k, v] : entries) d.set(k, v);
      } else {
        for (const auto& pair : iterate(o)) {
          auto kv = iterate(pair);
          if (kv.size() != 2)
            throw TemplateError(ErrorKind::kValue, "dictionary update sequence element has wrong length");
          d.set(kv[0], kv[1]);
        }
      }
    }
    for (const auto& [k, v] : a.kwargs) d.set(Value(k), v);
    r = Value::none();
  } else if (id == MethodId::kPop) {
    if (a.args.empty()) fail_type("pop expected at least 1 argument, got 0");
    if (const Value* v = d.find(a.args[0])) {
      r = *v;
      d.erase(a.args[0]);
    } else if (a.args.size() > 1) {
      r = a.args[1];
    } else {
      throw TemplateError(ErrorKind::kKey, a.args[0].repr());
    }
  } else if (id == MethodId::kSetdefault) {
    if (a.args.empty()) fail_type("setdefault expected at least 1 argument, got 0");
    if (const Value* v = d.find(a.args[0])) {
      r = *v;
    } else {
      r = a.args.size() > 1 ? a.args[1] : Value::none();
      d.set(a.args[0], r);
    }
  } else if (id == MethodId::kCopy) {
    r = Value::dict();
    for (const auto& [k, v] : d.entries()) r.as_dict().set(k, v);
  } else if (id == MethodId::kClear) {
    d.clear();
    r = Value::none();
  } else if (id == MethodId::kPopitem) {
    if (d.size() == 0) throw TemplateError(ErrorKind::kKey, "'popitem(): dictionary is empty'");
    auto last = d.entries().back();
    d.erase(last.first);
    r = Value::tuple({last.first, last.second});
  } else {  // fromkeys
    r = Value::dict();
    if (!a.args.empty())
      for (const auto& k : iterate(a.args[0]))
        r.as_dict().set(k, a.args.size() > 1 ? a.args[1] : Value::none());
  }
  return true;
}

}  // namespace

MethodId method_id_of(std::string_view name) {
  for (std::size_t i = 1; i < kMethodNames.size(); ++i)
    if (kMethodNames[i] == name) return static_cast<MethodId>(i);
  return MethodId::kNone;
}

std::string_view method_name(MethodId id) {
  return kMethodNames[static_cast<std::size_t>(id)];
}

bool call_container_method(const Value& obj, MethodId id, CallArgs& args, Value& result) {
  switch (obj.kind()) {
    case Kind::kDict:
      return dict_method(obj, id, args, result);
    case Kind::kList:
    case Kind::kTuple:
      return list_method(obj, id, args, result);
    default:
      return false;
  }
}

bool is_dict_method_name(std::string_view name) {
  return kDictMethodSet.contains(name);
}

bool has_method(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Kind::kStr:
      return kStrMethodSet.contains(name);
    case Kind::kList:
      return kListMethodSet.contains(name);
    case Kind::kTuple:
      return name == "index" || name == "count";
    case Kind::kDict:
      return kDictMethodSet.contains(name);
    case Kind::kObject:
      return obj.as_object()->has_method(name);
    case Kind::kInt:
    case Kind::kBool:
      return name == "bit_length";
    case Kind::kFloat:
      return name == "is_integer";
    default:
      return false;
  }
}

Value bound_method(const Value& obj, std::string_view name) {
  return Value::callable(std::make_shared<BoundMethod>(obj, std::string(name)));
}

bool call_method(const Value& obj, std::string_view name, CallArgs& args, Value& result) {
  switch (obj.kind()) {
    case Kind::kStr:
      return str_method(obj, name, args, result);
    case Kind::kList:
    case Kind::kTuple:
      return list_method(obj, method_id_of(name), args, result);
    case Kind::kDict:
      return dict_method(obj, method_id_of(name), args, result);
    case Kind::kObject:
      return obj.as_object()->call_method(name, args, result);
    case Kind::kInt:
    case Kind::kBool:
      if (name != "bit_length") return false;
      {
        std::uint64_t v = obj.as_int() < 0 ? 0 - static_cast<std::uint64_t>(obj.as_int())
                                           : static_cast<std::uint64_t>(obj.as_int());
        std::int64_t bits = 0;
        while (v) {
          ++bits;
          v >>= 1;
        }
        result = Value(bits);
      }
      return true;
    case Kind::kFloat:
      if (name != "is_integer") return false;
      result = Value(std::isfinite(obj.as_float()) && obj.as_float() == std::floor(obj.as_float()));
      return true;
    default:
      return false;
  }
}

std::string call_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace pond::jinja
