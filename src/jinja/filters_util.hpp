#pragma once
// Helpers shared by the builtin filters and tests: attribute getters, Python number parsing,
// rounding, JSON, pprint, URL quoting and text wrapping.
#include <span>
#include <string>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/value.hpp"

namespace pond::jinja {

class Interp;

// Positional argument i, else keyword `name`, else nullptr. Reads the argument in place: filters
// run per item and per call, and copying a Value (or building a fallback one) is not free.
inline const Value* arg_at(const CallArgs& a, std::size_t i, std::string_view name) {
  if (i < a.args.size()) return &a.args[i];
  return a.kwargs.empty() ? nullptr : a.kwarg(name);
}
inline bool arg_truthy(const CallArgs& a, std::size_t i, std::string_view name, bool fallback) {
  const Value* v = arg_at(a, i, name);
  return v ? v->truthy() : fallback;
}
inline std::int64_t arg_int(const CallArgs& a, std::size_t i, std::string_view name, std::int64_t fallback) {
  const Value* v = arg_at(a, i, name);
  return v ? v->as_int() : fallback;
}

// Jinja2's make_attrgetter: "a.b.0" walks items/attributes; a default replaces undefined results.
class AttrGetter {
 public:
  AttrGetter(const Value& attribute, Value dflt);
  Value operator()(Interp& in, const Value& item) const;
  // The attribute read in place when `item` holds it as a dict entry under a one-part name (the
  // common `attribute='name'`), else nullptr (then call operator()).
  const Value* peek(const Value& item) const {
    if (!single_key_ || !item.is_dict()) return nullptr;
    const Value* v = item.as_dict().find_str(parts_.front().as_str());
    return v && !(has_default_ && v->is_undefined()) ? v : nullptr;
  }
  // peek(), which also tells when `item` is a dict lacking the one-part attribute (and no dict
  // method has its name): the attribute is then an Undefined, which a caller that only asks for
  // truthiness need not build.
  const Value* peek(const Value& item, bool& missing) const;
  bool empty() const { return parts_.empty(); }
  // "a,b" → one getter per comma-separated attribute (sort's multi-attribute form); none for None.
  static std::vector<AttrGetter> multi(const Value& attribute);

 private:
  std::vector<Value> parts_;
  Value default_;
  bool has_default_ = false;  // a default other than None replaces undefined results
  bool single_key_ = false;   // one str part (no dots, not an index)
  // Whether that part names a dict method: -1 until asked. A getter lives for one filter call.
  mutable int dict_method_ = -1;
};

// Python's str.lower() of a str value; the value itself when lowering changes nothing.
Value lower_str(const Value& v);
Value sort_key(const Value& v, bool case_sensitive);
bool parse_py_float(const std::string& s, double& out);
bool parse_py_int(const std::string& s, int base, std::int64_t& out);
double py_round(double x, std::int64_t ndigits);
std::string to_json(const Value& v, std::int64_t indent);
std::string pformat(const Value& v);
std::string url_quote(const std::string& s, bool for_qs);
std::vector<std::string> py_splitlines(const std::string& s);
std::vector<std::string> py_split_ws(const std::string& s);
std::vector<std::string> text_wrap(const std::string& line, std::int64_t width, bool break_long_words);
std::string unescape_html(const std::string& s);

// Signature of a builtin filter ("old,new,count=": '=' optional, '*' varargs, '**' kwargs).
const char* builtin_filter_signature(std::string_view name);
// A builtin filter and its signature in one lookup; nullptr (and no signature) when unknown.
FilterFn find_builtin_filter(std::string_view name, const char*& signature);
// Raises Python's TypeError for arguments that do not fit a builtin filter's signature.
void check_filter_args(const std::string& name, const char* signature, const CallArgs& args);
Value f_random(Interp& in, const Value& v, CallArgs& args);
Value f_urlize(Interp& in, const Value& v, CallArgs& args);

// Python's `fmt % args` with the arguments in place: positional `args`, or `mapping` (a dict) for
// "%(name)s" conversions. percent_format() (methods.hpp) takes them as one value.
Value percent_format_args(std::string_view fmt, std::span<const Value> args, const Value* mapping);

Value call_filter_by_name(Interp& in, const std::string& name, const Value& v, CallArgs& args);
bool call_test_by_name(Interp& in, const std::string& name, const Value& v, CallArgs& args);

}  // namespace pond::jinja
