#pragma once
// pond's Jinja2 value model: Python-like values (None, bool, int, float, str, list, tuple, dict,
// Undefined, callables, native objects, namespaces) with Python's printing and comparison rules.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pond::jinja {

class Value;
struct CallArgs;

enum class Kind : std::uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kStr,
  kList,
  kTuple,
  kDict,
  kCallable,  // macros, native functions, bound methods
  kObject,    // native objects, namespaces, loop, cycler, joiner
};

// Base of every heap-held value. Values share heap objects (Python reference semantics); a value
// graph is only mutated by the render that owns it.
class Object {
 public:
  virtual ~Object() = default;
  // Reference cycles (a list appended to itself, a namespace holding a macro that closes over
  // it) are broken at the end of a render: these visit and drop the values an object holds.
  virtual void for_each_child(const std::function<void(const Value&)>& fn) const { (void)fn; }
  virtual void clear_children() {}
};

struct StrObj final : Object {
  std::string s;
  explicit StrObj(std::string v) : s(std::move(v)) {}
};

struct ListObj;
class DictObj;
class CallableObj;
class NativeObject;
using NativeFunction = std::function<Value(CallArgs&)>;

// A value. 16 bytes of payload plus a shared heap pointer for str/list/dict/objects.
class Value {
 public:
  Value() = default;  // Undefined
  Value(bool b) : kind_(Kind::kBool) { u_.b = b; }
  Value(int i) : kind_(Kind::kInt) { u_.i = i; }
  Value(std::int64_t i) : kind_(Kind::kInt) { u_.i = i; }
  Value(double f) : kind_(Kind::kFloat) { u_.f = f; }
  Value(const char* s) : Value(std::string(s)) {}
  Value(std::string s) : kind_(Kind::kStr), obj_(std::make_shared<StrObj>(std::move(s))) {}
  Value(std::string_view s) : Value(std::string(s)) {}

  static Value none() {
    Value v;
    v.kind_ = Kind::kNone;
    return v;
  }
  static Value undefined() { return Value(); }
  // Undefined that remembers why (the message of the error raised when it is used).
  static Value undefined(std::string hint);
  // Undefined for the missing attribute `name` of a value whose type Jinja2 prints as `owner` (a
  // string literal: "dict object", "None", ...). Templates probe missing attributes all the time
  // (`x.y is defined`, `x.y | default`), so the message is only formatted when an error needs it;
  // the str overload shares the text of `name` (a str value) instead of copying it.
  static Value missing_attribute(const char* owner, std::string_view name);
  static Value missing_attribute(const char* owner, const Value& name);
  // Undefined for a name that is not bound: "'name' is undefined", formatted when needed.
  static Value undefined_name(std::string_view name);
  static Value markup(std::string s);  // a str marked safe (Markup in Jinja2)
  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items = {});
  static Value dict();
  static Value function(std::string name, NativeFunction fn);
  static Value callable(std::shared_ptr<CallableObj> c);
  static Value object(std::shared_ptr<NativeObject> o);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool; }
  bool is_str() const { return kind_ == Kind::kStr; }
  bool is_markup() const { return kind_ == Kind::kStr && markup_; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kTuple; }
  bool is_sequence_like() const { return kind_ == Kind::kList || kind_ == Kind::kTuple; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_callable() const;
  bool is_object() const { return kind_ == Kind::kObject; }

  bool as_bool() const { return u_.b; }
  // int or bool as int; floats truncate (clamped), anything else is 0.
  std::int64_t as_int() const {
    if (kind_ == Kind::kInt) return u_.i;
    if (kind_ == Kind::kBool) return u_.b ? 1 : 0;
    if (kind_ == Kind::kFloat) return float_to_int(u_.f);
    return 0;
  }
  static std::int64_t float_to_int(double d) {
    if (!(d == d)) return 0;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return static_cast<std::int64_t>(d);
  }
  double as_float() const;  // int, bool or float as double
  const std::string& as_str() const { return static_cast<const StrObj*>(obj_.get())->s; }
  std::vector<Value>& items() const;
  DictObj& as_dict() const;
  CallableObj* as_callable() const;
  NativeObject* as_object() const;
  const std::shared_ptr<Object>& heap() const { return obj_; }
  // The hint of an undefined value ("'x' is undefined"), empty when there is none.
  std::string undefined_hint() const;
  bool has_undefined_hint() const { return kind_ == Kind::kUndefined && obj_ != nullptr; }

  bool truthy() const;
  std::string str() const;   // Python str()
  std::string repr() const;  // Python repr()
  void append_str(std::string& out) const {
    if (kind_ == Kind::kStr)
      out += as_str();  // inline: printing strings is the renderer's most common operation
    else
      append_str_other(out);
  }
  void append_repr(std::string& out) const;
  std::string type_name() const;  // Python type name: 'int', 'str', 'dict', ...

  friend bool operator==(const Value& a, const Value& b);
  std::size_t hash() const;

 private:
  void append_str_other(std::string& out) const;

  Kind kind_ = Kind::kUndefined;
  bool markup_ = false;
  union {
    bool b;
    std::int64_t i;
    double f;
    const char* owner;  // Undefined with a hint: how to format the text obj_ holds (value.cpp)
  } u_{.i = 0};
  std::shared_ptr<Object> obj_;
};

struct ListObj final : Object {
  std::vector<Value> items;
  void for_each_child(const std::function<void(const Value&)>& fn) const override;
  void clear_children() override;
};

// Insertion-ordered dict (Python 3.7+ semantics); linear probing index built once it grows.
class DictObj final : public Object {
 public:
  const Value* find(const Value& key) const {
    return at(key.is_str() ? index_of_str(key.as_str()) : index_of(key));
  }
  Value* find(const Value& key) { return at(key.is_str() ? index_of_str(key.as_str()) : index_of(key)); }
  // Lookup by text (attribute access, `d['k']`): no key value is built.
  const Value* find_str(std::string_view key) const { return at(index_of_str(key)); }
  Value* find_str(std::string_view key) { return at(index_of_str(key)); }
  void set(Value key, Value value);
  bool erase(const Value& key);
  std::size_t size() const { return entries_.size(); }
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }
  void clear();
  void for_each_child(const std::function<void(const Value&)>& fn) const override;
  void clear_children() override { clear(); }

 private:
  const Value* at(std::ptrdiff_t i) const {
    return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)].second;
  }
  Value* at(std::ptrdiff_t i) { return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)].second; }
  std::ptrdiff_t index_of(const Value& key) const;
  std::ptrdiff_t index_of_str(std::string_view key) const;
  std::ptrdiff_t index_of_str_slow(std::string_view key) const;  // indexed, or a long key
  void rebuild_index();
  std::vector<std::pair<Value, Value>> entries_;
  std::vector<std::int32_t> index_;  // empty while small; else slots holding entry index or -1
};

// Something callable from a template: native functions and bound methods. Macros subclass it too.
class CallableObj : public Object {
 public:
  virtual Value call(CallArgs& args) const = 0;
  virtual std::string repr() const = 0;
  // Attributes of the callable itself (a macro's name, arguments, ...); undefined when none.
  virtual Value get_attr(std::string_view name) const;
};

// A native object with attributes and methods, implemented by the embedder.
class NativeObject : public Object {
 public:
  // Attribute lookup; return Value::undefined() when missing (the engine then reports it).
  virtual Value get_attr(std::string_view name) const;
  // Subscript lookup obj[key]; defaults to attribute lookup for string keys.
  virtual Value get_item(const Value& key) const;
  // Calling the object itself, e.g. `{{ obj(1) }}`; default: not callable.
  virtual Value call(CallArgs& args);
  virtual bool callable() const { return false; }
  // `obj.name(args)`: sets `result` and returns true when the object has that method. The default
  // calls what get_attr(name) returns when that is callable.
  virtual bool call_method(std::string_view name, CallArgs& args, Value& result);
  // Whether call_method knows `name` (so that `obj.name` is a bound method).
  virtual bool has_method(std::string_view name) const {
    (void)name;
    return false;
  }
  // Setting attributes (`{% set obj.x = 1 %}`); only namespaces allow it by default.
  virtual bool set_attr(std::string_view name, const Value& value);
  virtual std::string repr() const { return "<object>"; }
  virtual std::string str() const { return repr(); }
  virtual bool truthy() const { return true; }
  // Iteration, for objects that behave as sequences or mappings; empty = not iterable.
  virtual bool iterable() const { return false; }
  // Whether `obj is mapping` holds (Python's collections.abc.Mapping: dbt's Relation is one).
  virtual bool is_mapping() const { return false; }
  virtual std::vector<Value> iterate() const;
  virtual std::string type_name() const { return "object"; }
  // Python's operator protocol, for values such as datetimes: `op` is '+', '-', '*' or '/', applied as
  // `self op other` (`other op self` when !self_on_left). False = unsupported (the engine's TypeError).
  virtual bool arithmetic(char op, const Value& other, bool self_on_left, Value& result) const {
    (void)op, (void)other, (void)self_on_left, (void)result;
    return false;
  }
  // Ordering against `other` (<0, 0, >0) when comparable; `==` falls back to identity, `<` to a TypeError.
  virtual bool compare(const Value& other, int& order) const {
    (void)other, (void)order;
    return false;
  }
};

inline std::vector<Value>& Value::items() const {
  return static_cast<ListObj*>(obj_.get())->items;
}
inline DictObj& Value::as_dict() const {
  return *static_cast<DictObj*>(obj_.get());
}
inline CallableObj* Value::as_callable() const {
  return static_cast<CallableObj*>(obj_.get());
}
inline NativeObject* Value::as_object() const {
  return static_cast<NativeObject*>(obj_.get());
}

// The hash of a str value (Value::hash, dict indexes): cheap for the short keys templates use.
std::size_t str_hash(std::string_view s);

// Python float repr: shortest round-trip digits, exponent form outside [1e-4, 1e16).
std::string float_repr(double d);
// Python repr of a str (quote choice and escapes).
void append_str_repr(std::string& out, std::string_view s);

// Python's json.dumps(v, indent=indent (negative: one line), sort_keys=sort_keys).
std::string json_dumps(const Value& v, std::int64_t indent = -1, bool sort_keys = false);

// Arguments of a call from a template: positional, keyword, and the render in progress.
class RenderState;
struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
  RenderState* render = nullptr;

  // Keyword argument by name, or nullptr.
  const Value* kwarg(std::string_view name) const;
  // Positional i, else keyword `name`, else `fallback`.
  Value get(std::size_t i, std::string_view name, Value fallback = Value()) const;
};

}  // namespace pond::jinja
