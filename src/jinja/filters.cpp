// Jinja2's builtin filters (jinja2/filters.py), same names, arguments and edge cases.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "jinja/filters_builtin.hpp"
#include "jinja/filters_util.hpp"
#include "jinja/interp.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"
#include "jinja/parser.hpp"

namespace pond::jinja {

using Args = CallArgs;

Value f_abs(Interp&, const Value& v, Args&) {
  if (v.is_int() || v.is_bool()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_undefined()) fail_undefined(v);
  fail_type("bad operand type for abs(): '" + v.type_name() + "'");
}

Value f_default(Interp&, const Value& v, Args& a) {
  if (v.is_undefined() || (arg_truthy(a, 1, "boolean", false) && !v.truthy())) {
    const Value* dflt = arg_at(a, 0, "default_value");
    return dflt ? *dflt : Value("");
  }
  return v;
}

Value f_float(Interp&, const Value& v, Args& a) {
  const Value* dflt_p = arg_at(a, 0, "default");
  Value dflt = dflt_p ? *dflt_p : Value(0.0);
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_number()) return Value(v.as_float());
  if (v.is_str()) {
    double d;
    if (parse_py_float(v.as_str(), d)) return Value(d);
  }
  return dflt;
}

Value f_int(Interp&, const Value& v, Args& a) {
  const Value* dflt_p = arg_at(a, 0, "default");
  Value dflt = dflt_p ? *dflt_p : Value(std::int64_t{0});
  std::int64_t base = arg_int(a, 1, "base", 10);
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_int() || v.is_bool()) return Value(v.as_int());
  if (v.is_float()) {
    double d = v.as_float();
    if (std::isnan(d) || std::isinf(d)) return dflt;
    return Value(Value::float_to_int(d));
  }
  if (v.is_str()) {
    std::int64_t i;
    if (parse_py_int(v.as_str(), static_cast<int>(base), i)) return Value(i);
    double d;
    if (parse_py_float(v.as_str(), d) && !std::isnan(d) && !std::isinf(d))
      return Value(Value::float_to_int(d));
  }
  return dflt;
}

Value f_round(Interp&, const Value& v, Args& a) {
  std::int64_t prec = arg_int(a, 0, "precision", 0);
  const Value* method_p = arg_at(a, 1, "method");
  std::string method = method_p ? method_p->str() : std::string("common");
  if (method != "common" && method != "ceil" && method != "floor")
    throw TemplateError(ErrorKind::kRuntime, "method must be common, ceil or floor");
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) fail_type("type " + v.type_name() + " doesn't define __round__ method");
  if (method == "common") {
    if (!v.is_float()) {
      if (prec >= 0) return Value(v.as_int());
      return Value(Value::float_to_int(py_round(v.as_float(), prec)));
    }
    return Value(py_round(v.as_float(), prec));
  }
  double scale = std::pow(10.0, static_cast<double>(prec));
  double x = v.as_float() * scale;
  return Value((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
}

namespace {

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
  const char* signature;  // parameter names; '=' optional, '*' varargs, '**' kwargs
};

constexpr FilterEntry kFilters[] = {
    {"abs", f_abs, ""},
    {"attr", f_attr, "name"},
    {"batch", f_batch, "linecount,fill_with="},
    {"capitalize", f_capitalize, ""},
    {"center", f_center, "width="},
    {"count", f_length, ""},
    {"d", f_default, "default_value=,boolean="},
    {"default", f_default, "default_value=,boolean="},
    {"dictsort", f_dictsort, "case_sensitive=,by=,reverse="},
    {"e", f_escape, ""},
    {"escape", f_escape, ""},
    {"filesizeformat", f_filesizeformat, "binary="},
    {"first", f_first, ""},
    {"float", f_float, "default="},
    {"forceescape", f_forceescape, ""},
    {"format", f_format, "*,**"},
    {"groupby", f_groupby, "attribute,default=,case_sensitive="},
    {"indent", f_indent, "width=,first=,blank="},
    {"int", f_int, "default=,base="},
    {"items", f_items, ""},
    {"join", f_join, "d=,attribute="},
    {"last", f_last, ""},
    {"length", f_length, ""},
    {"list", f_list, ""},
    {"lower", f_lower, ""},
    {"map", f_map, "*,**"},
    {"max", f_max, "case_sensitive=,attribute="},
    {"min", f_min, "case_sensitive=,attribute="},
    {"pprint", f_pprint, ""},
    {"random", f_random, ""},
    {"reject", f_reject, "*,**"},
    {"rejectattr", f_rejectattr, "*,**"},
    {"replace", f_replace, "old,new,count="},
    {"reverse", f_reverse, ""},
    {"round", f_round, "precision=,method="},
    {"safe", f_safe, ""},
    {"select", f_select, "*,**"},
    {"selectattr", f_selectattr, "*,**"},
    {"slice", f_slice, "slices,fill_with="},
    {"sort", f_sort, "reverse=,case_sensitive=,attribute="},
    {"string", f_string, ""},
    {"striptags", f_striptags, ""},
    {"sum", f_sum, "attribute=,start="},
    {"title", f_title, ""},
    {"tojson", f_tojson, "indent="},
    {"trim", f_trim, "chars="},
    {"truncate", f_truncate, "length=,killwords=,end=,leeway="},
    {"unique", f_unique, "case_sensitive=,attribute="},
    {"upper", f_upper, ""},
    {"urlencode", f_urlencode, ""},
    {"urlize", f_urlize, "trim_url_limit=,nofollow=,target=,rel=,extra_schemes="},
    {"wordcount", f_wordcount, ""},
    {"wordwrap", f_wordwrap, "width=,break_long_words=,wrapstring=,break_on_hyphens="},
    {"xmlattr", f_xmlattr, "autospace="},
};

static_assert(std::is_sorted(std::begin(kFilters), std::end(kFilters),
                             [](const FilterEntry& a, const FilterEntry& b) { return a.name < b.name; }),
              "kFilters is searched by bisection");

const FilterEntry* find_entry(std::string_view name) {
  const auto* it = std::lower_bound(std::begin(kFilters), std::end(kFilters), name,
                                    [](const FilterEntry& e, std::string_view n) { return e.name < n; });
  return it != std::end(kFilters) && it->name == name ? it : nullptr;
}

}  // namespace

FilterFn find_builtin_filter(std::string_view name) {
  const FilterEntry* e = find_entry(name);
  return e ? e->fn : nullptr;
}

const char* builtin_filter_signature(std::string_view name) {
  const FilterEntry* e = find_entry(name);
  return e ? e->signature : nullptr;
}

FilterFn find_builtin_filter(std::string_view name, const char*& signature) {
  const FilterEntry* e = find_entry(name);
  signature = e ? e->signature : nullptr;
  return e ? e->fn : nullptr;
}

void check_filter_args(const std::string& name, const char* sig, const CallArgs& args) {
  if (!sig) return;
  if (args.kwargs.empty()) {
    // Fast path without allocations: positional arguments within the signature's bounds.
    std::size_t nparams = 0, required = 0;
    bool var_args = false;
    for (std::string_view rest(sig); !rest.empty();) {
      std::size_t c = rest.find(',');
      std::string_view p = rest.substr(0, c);
      rest = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
      if (p == "*")
        var_args = true;
      else if (p != "**") {
        ++nparams;
        if (p.back() != '=') ++required;
      }
    }
    if ((var_args || args.args.size() <= nparams) && args.args.size() >= required) return;
  }
  std::vector<std::string> params;
  bool var_args = false, var_kwargs = false;
  std::size_t required = 0;
  for (std::string_view rest(sig); !rest.empty();) {
    std::size_t c = rest.find(',');
    std::string_view p = rest.substr(0, c);
    rest = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
    if (p == "*")
      var_args = true;
    else if (p == "**")
      var_kwargs = true;
    else if (!p.empty() && p.back() == '=')
      params.emplace_back(p.substr(0, p.size() - 1));
    else {
      params.emplace_back(p);
      ++required;
    }
  }
  std::string fn = "do_" + name + "()";
  if (!var_args && args.args.size() > params.size())
    fail_type(fn + " takes " + std::to_string(params.size() + 1) + " positional arguments but " +
              std::to_string(args.args.size() + 1) + " were given");
  for (const auto& [k, v] : args.kwargs) {
    auto it = std::find(params.begin(), params.end(), k);
    if (it == params.end()) {
      if (!var_kwargs) fail_type(fn + " got an unexpected keyword argument '" + k + "'");
    } else if (static_cast<std::size_t>(it - params.begin()) < args.args.size() && !var_args) {
      fail_type(fn + " got multiple values for argument '" + k + "'");
    }
  }
  for (std::size_t i = args.args.size(); i < required; ++i)
    if (!args.kwarg(params[i]))
      fail_type(fn + " missing 1 required positional argument: '" + params[i] + "'");
}

Value call_filter_by_name(Interp& in, const std::string& name, const Value& v, CallArgs& args) {
  const char* signature = nullptr;
  if (FilterFn fn = find_builtin_filter(name, signature)) {
    check_filter_args(name, signature, args);
    return fn(in, v, args);
  }
  if (const NativeFunction* custom = in.env().find_filter(name)) {
    CallArgs b = args;
    b.args.insert(b.args.begin(), v);
    return (*custom)(b);
  }
  throw TemplateError(ErrorKind::kRuntime, "No filter named '" + name + "'.");
}

}  // namespace pond::jinja
