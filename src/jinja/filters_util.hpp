#pragma once
// Helpers shared by the builtin filters and tests: attribute getters, Python number parsing,
// rounding, JSON, pprint, URL quoting and text wrapping.
#include <string>
#include <vector>

#include "jinja/value.hpp"

namespace pond::jinja {

class Interp;

// Jinja2's make_attrgetter: "a.b.0" walks items/attributes; a default replaces undefined results.
class AttrGetter {
 public:
  AttrGetter(const Value& attribute, Value dflt);
  Value operator()(Interp& in, const Value& item) const;
  bool empty() const { return parts_.empty(); }
  // "a,b" → one getter per comma-separated attribute (sort's multi-attribute form); none for None.
  static std::vector<AttrGetter> multi(const Value& attribute);

 private:
  std::vector<Value> parts_;
  Value default_;
};

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
// Raises Python's TypeError for arguments that do not fit a builtin filter's signature.
void check_filter_args(const std::string& name, const char* signature, const CallArgs& args);
Value f_random(Interp& in, const Value& v, CallArgs& args);
Value f_urlize(Interp& in, const Value& v, CallArgs& args);

Value call_filter_by_name(Interp& in, const std::string& name, const Value& v, CallArgs& args);
bool call_test_by_name(Interp& in, const std::string& name, const Value& v, CallArgs& args);

}  // namespace pond::jinja
