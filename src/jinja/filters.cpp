// Jinja2's builtin filters (jinja2/filters.py), same names, arguments and edge cases.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "jinja/filters_util.hpp"
#include "jinja/interp.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"
#include "jinja/parser.hpp"

namespace pond::jinja {

namespace {

using Args = CallArgs;

Value f_abs(Interp&, const Value& v, Args&) {
  if (v.is_int() || v.is_bool()) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_undefined()) fail_undefined(v);
  fail_type("bad operand type for abs(): '" + v.type_name() + "'");
}

Value f_attr(Interp&, const Value& v, Args& a) {
  Value name = a.get(0, "name");
  if (v.is_undefined()) fail_undefined(v);
  if (!name.is_str()) fail_type("attribute name must be string");
  if (v.is_dict()) {
    if (has_method(v, name.as_str())) return bound_method(v, name.as_str());
    return Value::undefined("'dict object' has no attribute '" + name.as_str() + "'");
  }
  return get_attr(v, name.as_str());
}

Value f_batch(Interp&, const Value& v, Args& a) {
  std::int64_t n = a.get(0, "linecount").as_int();
  Value fill = a.get(1, "fill_with", Value::none());
  std::vector<Value> out, tmp;
  for (auto& item : iterate(v)) {
    if (static_cast<std::int64_t>(tmp.size()) == n) {
      out.push_back(Value::list(std::move(tmp)));
      tmp.clear();
    }
    tmp.push_back(item);
  }
  if (!tmp.empty()) {
    if (!fill.is_none())
      while (static_cast<std::int64_t>(tmp.size()) < n && tmp.size() < (1u << 20)) tmp.push_back(fill);
    out.push_back(Value::list(std::move(tmp)));
  }
  return Value::list(std::move(out));
}

Value str_method_call(const Value& s, std::string_view m, Args a) {
  Value r;
  call_method(s, m, a, r);
  return r;
}

// String filters keep Markup marked (markupsafe's str methods return Markup).
Value keep_markup(const Value& in, Value out) {
  return in.is_markup() ? Value::markup(out.str()) : out;
}
Value f_capitalize(Interp&, const Value& v, Args&) {
  return keep_markup(v, str_method_call(Value(v.str()), "capitalize", {}));
}

Value f_lower(Interp&, const Value& v, Args&) {
  if (v.is_str()) {
    // Already lower case (ASCII): the same immutable string serves.
    const std::string& s = v.as_str();
    if (std::none_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c & 0x80); }))
      return v;
  }
  Value out(ascii_lower(v.is_str() ? std::string_view(v.as_str()) : std::string_view(v.str())));
  return v.is_markup() ? Value::markup(out.as_str()) : out;
}
Value f_upper(Interp&, const Value& v, Args&) {
  Value out(ascii_upper(v.is_str() ? std::string_view(v.as_str()) : std::string_view(v.str())));
  return v.is_markup() ? Value::markup(out.as_str()) : out;
}

Value f_center(Interp&, const Value& v, Args& a) {
  Args b;
  b.args.push_back(a.get(0, "width", Value(std::int64_t{80})));
  return keep_markup(v, str_method_call(Value(v.str()), "center", b));
}

Value f_default(Interp&, const Value& v, Args& a) {
  Value dflt = a.get(0, "default_value", Value(""));
  bool boolean = a.get(1, "boolean", Value(false)).truthy();
  if (v.is_undefined() || (boolean && !v.truthy())) return dflt;
  return v;
}

Value f_dictsort(Interp&, const Value& v, Args& a) {
  bool cs = a.get(0, "case_sensitive", Value(false)).truthy();
  std::string by = a.get(1, "by", Value("key")).str();
  bool rev = a.get(2, "reverse", Value(false)).truthy();
  if (!v.is_dict()) fail_type("dictsort requires a mapping");
  int pos = by == "key" ? 0 : by == "value" ? 1 : -1;
  if (pos < 0) throw TemplateError(ErrorKind::kRuntime, "You can only sort by either \"key\" or \"value\"");
  std::vector<Value> items;
  for (const auto& [k, val] : v.as_dict().entries()) items.push_back(Value::tuple({k, val}));
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    Value kx = sort_key(x.items()[static_cast<std::size_t>(pos)], cs);
    Value ky = sort_key(y.items()[static_cast<std::size_t>(pos)], cs);
    return rev ? less_than(ky, kx) : less_than(kx, ky);
  });
  return Value::list(std::move(items));
}

Value f_escape(Interp&, const Value& v, Args&) {
  if (v.is_markup()) return v;
  return Value::markup(call_escape(v.str()));
}

Value f_forceescape(Interp&, const Value& v, Args&) {
  return Value::markup(call_escape(v.str()));
}

Value f_first(Interp&, const Value& v, Args&) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_sequence_like()) {
    if (v.items().empty()) return Value::undefined("No first item, sequence was empty.");
    return v.items().front();
  }
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Interp&, const Value& v, Args&) {
  if (v.is_undefined()) fail_undefined(v);
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_float(Interp&, const Value& v, Args& a) {
  Value dflt = a.get(0, "default", Value(0.0));
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_number()) return Value(v.as_float());
  if (v.is_str()) {
    double d;
    if (parse_py_float(v.as_str(), d)) return Value(d);
  }
  return dflt;
}

Value f_int(Interp&, const Value& v, Args& a) {
  Value dflt = a.get(0, "default", Value(std::int64_t{0}));
  std::int64_t base = a.get(1, "base", Value(std::int64_t{10})).as_int();
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

Value f_format(Interp&, const Value& v, Args& a) {
  if (!a.args.empty() && !a.kwargs.empty())
    throw TemplateError(ErrorKind::kRuntime,
                        "can't handle positional and keyword arguments at the same time");
  Value fmt(v.str());
  if (!a.kwargs.empty()) {
    Value d = Value::dict();
    for (const auto& [k, x] : a.kwargs) d.as_dict().set(Value(k), x);
    return percent_format(fmt, d);
  }
  if (v.is_markup()) {
    // Markup % args escapes the arguments and stays Markup.
    std::vector<Value> esc;
    for (const auto& x : a.args) esc.push_back(x.is_markup() ? x : Value::markup(call_escape(x.str())));
    return Value::markup(percent_format(fmt, Value::tuple(std::move(esc))).as_str());
  }
  return percent_format(fmt, Value::tuple(a.args));
}

Value f_groupby(Interp& in, const Value& v, Args& a) {
  Value attr = a.get(0, "attribute");
  Value dflt = a.get(1, "default", Value::none());
  bool cs = a.get(2, "case_sensitive", Value(false)).truthy();
  AttrGetter get(attr, dflt);
  std::vector<Value> items = iterate(v);
  struct Keyed {
    Value sort, real, item;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(items.size());
  for (auto& item : items) {
    Value real = get(in, item);
    Value sk = sort_key(real, cs);
    keyed.push_back(Keyed{std::move(sk), std::move(real), item});
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const Keyed& x, const Keyed& y) { return less_than(x.sort, y.sort); });
  std::vector<Value> out;
  for (std::size_t i = 0; i < keyed.size();) {
    std::vector<Value> group;
    std::size_t j = i;
    while (j < keyed.size() && keyed[j].sort == keyed[i].sort) group.push_back(keyed[j++].item);
    out.push_back(Value::tuple({keyed[i].real, Value::list(std::move(group))}));
    i = j;
  }
  return Value::list(std::move(out));
}

// Whether '\n' is the only line break Python's str.splitlines() would see in `s`.
bool only_newline_breaks(std::string_view s) {
  for (char c : {'\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\xc2', '\xe2'})
    if (s.find(c) != std::string_view::npos) return false;
  return true;
}

Value f_indent(Interp& interp, const Value& v, Args& a) {
  Value width = a.get(0, "width", Value(std::int64_t{4}));
  bool first = a.get(1, "first", Value(false)).truthy();
  bool blank = a.get(2, "blank", Value(false)).truthy();
  std::string ind;
  if (width.is_str()) {
    ind = width.as_str();
  } else {
    if (!width.is_int() && !width.is_bool())
      fail_type("can't multiply sequence by non-int of type '" + width.type_name() + "'");
    std::int64_t w = width.as_int();
    if (w > (1 << 20)) throw TemplateError(ErrorKind::kLimit, "indent width exceeds the limit");
    if (w > 0) ind.assign(static_cast<std::size_t>(w), ' ');
  }
  std::string text = v.is_str() ? std::string() : v.str();
  std::string_view in = v.is_str() ? std::string_view(v.as_str()) : std::string_view(text);
  std::string rv;
  if (only_newline_breaks(in)) {
    // Jinja2 splits `s + "\n"` with str.splitlines(); with '\n' as the only break that is
    // s.split('\n'), done here in one pass.
    std::size_t lines = static_cast<std::size_t>(std::count(in.begin(), in.end(), '\n'));
    std::size_t max = interp.limits().max_output;
    if (!ind.empty() && (in.size() > max || lines + 1 > (max - in.size()) / ind.size()))
      throw TemplateError(ErrorKind::kLimit, "indent result exceeds the output size limit");
    rv.reserve(in.size() + (lines + 1) * ind.size());
    if (first) rv = ind;
    for (std::size_t start = 0;;) {
      std::size_t nl = std::min(in.find('\n', start), in.size());
      if (start && (blank || nl > start)) rv += ind;
      rv.append(in.substr(start, nl - start));
      if (nl == in.size()) break;
      rv += '\n';
      start = nl + 1;
    }
    return v.is_markup() ? Value::markup(std::move(rv)) : Value(std::move(rv));
  }
  std::string s(in);
  s += '\n';
  std::vector<std::string> lines = py_splitlines(s);
  if (blank) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + ind;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (std::size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += ind;
      rv += lines[i];
    }
  }
  if (first) rv = ind + rv;
  return v.is_markup() ? Value::markup(rv) : Value(rv);
}

Value f_items(Interp&, const Value& v, Args&) {
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) fail_type("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, x] : v.as_dict().entries()) out.push_back(Value::tuple({k, x}));
  return Value::list(std::move(out));
}

Value f_join(Interp& in, const Value& v, Args& a) {
  std::string sep = a.get(0, "d", Value("")).str();
  Value attr = a.get(1, "attribute", Value::none());
  std::vector<Value> items = iterate(v);
  std::string out;
  bool markup = false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Value item = attr.is_none() ? items[i] : AttrGetter(attr, Value())(in, items[i]);
    if (i) out += sep;
    markup = markup || item.is_markup();
    item.append_str(out);
    if (out.size() > in.limits().max_output)
      throw TemplateError(ErrorKind::kLimit, "join result exceeds the output size limit");
  }
  (void)markup;  // without autoescape Jinja2 joins plain strings, even around Markup
  return Value(std::move(out));
}

Value f_length(Interp&, const Value& v, Args&) {
  return Value(length(v));
}

Value f_list(Interp&, const Value& v, Args&) {
  return Value::list(iterate(v));
}

Value f_map(Interp& in, const Value& v, Args& a) {
  std::vector<Value> items = v.truthy() ? iterate(v) : std::vector<Value>();
  std::vector<Value> out;
  out.reserve(items.size());
  if (const Value* attr = a.kwarg("attribute")) {
    const Value* d = a.kwarg("default");
    AttrGetter get(*attr, d ? *d : Value());
    for (auto& item : items) out.push_back(get(in, item));
    return Value::list(std::move(out));
  }
  if (a.args.empty()) fail_type("map requires a filter argument");
  std::string name = a.args[0].str();
  Args rest;
  rest.render = &in;
  rest.args.assign(a.args.begin() + 1, a.args.end());
  rest.kwargs = a.kwargs;
  if (FilterFn fn = find_builtin_filter(name)) {
    // The arguments are the same for every item: check them once.
    if (!items.empty()) check_filter_args(name, builtin_filter_signature(name), rest);
    for (auto& item : items) out.push_back(fn(in, item, rest));
    return Value::list(std::move(out));
  }
  for (auto& item : items) out.push_back(call_filter_by_name(in, name, item, rest));
  return Value::list(std::move(out));
}

Value min_max(Interp& in, const Value& v, Args& a, bool want_max) {
  bool cs = a.get(0, "case_sensitive", Value(false)).truthy();
  Value attr = a.get(1, "attribute", Value::none());
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  AttrGetter get(attr, Value());
  std::size_t best = 0;
  Value best_key = sort_key(attr.is_none() ? items[0] : get(in, items[0]), cs);
  for (std::size_t i = 1; i < items.size(); ++i) {
    Value k = sort_key(attr.is_none() ? items[i] : get(in, items[i]), cs);
    if (want_max ? less_than(best_key, k) : less_than(k, best_key)) {
      best = i;
      best_key = k;
    }
  }
  return items[best];
}
Value f_max(Interp& in, const Value& v, Args& a) {
  return min_max(in, v, a, true);
}
Value f_min(Interp& in, const Value& v, Args& a) {
  return min_max(in, v, a, false);
}

Value f_pprint(Interp&, const Value& v, Args&) {
  return Value(pformat(v));
}

Value select_impl(Interp& in, const Value& v, Args& a, bool attr_mode, bool want) {
  std::vector<Value> items = v.truthy() ? iterate(v) : std::vector<Value>();
  std::size_t off = 0;
  Value attr;
  if (attr_mode) {
    if (a.args.empty()) fail_type("selectattr/rejectattr requires an attribute name");
    attr = a.args[0];
    off = 1;
  }
  std::string test;
  Args targs;
  targs.render = &in;
  if (a.args.size() > off) {
    test = a.args[off].str();
    targs.args.assign(a.args.begin() + static_cast<std::ptrdiff_t>(off) + 1, a.args.end());
    targs.kwargs = a.kwargs;
  }
  AttrGetter get(attr, Value());
  std::vector<Value> out;
  for (auto& item : items) {
    Value x = attr_mode ? get(in, item) : item;
    bool ok = test.empty() ? x.truthy() : call_test_by_name(in, test, x, targs);
    if (ok == want) out.push_back(item);
  }
  return Value::list(std::move(out));
}
Value f_select(Interp& in, const Value& v, Args& a) {
  return select_impl(in, v, a, false, true);
}
Value f_reject(Interp& in, const Value& v, Args& a) {
  return select_impl(in, v, a, false, false);
}
Value f_selectattr(Interp& in, const Value& v, Args& a) {
  return select_impl(in, v, a, true, true);
}
Value f_rejectattr(Interp& in, const Value& v, Args& a) {
  return select_impl(in, v, a, true, false);
}

Value f_replace(Interp& in, const Value& v, Args& a) {
  Value old_v = a.get(0, "old"), new_v = a.get(1, "new");
  Value count = a.get(2, "count", Value::none());
  if (old_v.is_str() && new_v.is_str() && count.is_none() && v.is_str() && !old_v.as_str().empty()) {
    // Common case without intermediate copies.
    const std::string& s = v.as_str();
    const std::string& from = old_v.as_str();
    const std::string& to = new_v.as_str();
    std::size_t p = s.find(from);
    if (p == std::string::npos) return v.is_markup() ? Value(s) : v;
    std::string out;
    out.reserve(s.size() + 16);
    std::size_t i = 0;
    for (; p != std::string::npos; p = s.find(from, i)) {
      out.append(s, i, p - i);
      out += to;
      if (out.size() > in.limits().max_output)
        throw TemplateError(ErrorKind::kLimit, "replace result exceeds the output size limit");
      i = p + from.size();
    }
    out.append(s, i, std::string::npos);
    return Value(std::move(out));
  }
  Args b;
  b.args.push_back(Value(old_v.str()));
  b.args.push_back(Value(new_v.str()));
  if (!count.is_none()) b.args.push_back(count);
  return str_method_call(Value(v.str()), "replace", b);
}

Value f_reverse(Interp&, const Value& v, Args&) {
  if (v.is_str()) {
    auto cs = utf8_chars(v.as_str());
    std::string out;
    for (auto it = cs.rbegin(); it != cs.rend(); ++it) out += *it;
    return Value(std::move(out));
  }
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value f_round(Interp&, const Value& v, Args& a) {
  std::int64_t prec = a.get(0, "precision", Value(std::int64_t{0})).as_int();
  std::string method = a.get(1, "method", Value("common")).str();
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

Value f_safe(Interp&, const Value& v, Args&) {
  return v.is_markup() ? v : Value::markup(v.str());
}

Value f_slice(Interp&, const Value& v, Args& a) {
  std::int64_t slices = a.get(0, "slices").as_int();
  Value fill = a.get(1, "fill_with", Value::none());
  if (slices <= 0) throw TemplateError(ErrorKind::kZeroDivision, "integer division or modulo by zero");
  std::vector<Value> seq = iterate(v);
  auto len = static_cast<std::int64_t>(seq.size());
  // slice(n) builds n lists whatever the input's size; beyond the input's length they are only empty
  // lists, so a huge n is refused rather than allocated (found by fuzzing).
  constexpr std::int64_t kMaxEmptySlices = 1'000'000;
  if (slices > len && slices > kMaxEmptySlices) {
    throw TemplateError(ErrorKind::kLimit, "slice() of " + std::to_string(slices) + " lists for " +
                                               std::to_string(len) + " items exceeds the limit of " +
                                               std::to_string(kMaxEmptySlices));
  }
  std::int64_t per = len / slices, extra = len % slices, offset = 0;
  std::vector<Value> out;
  for (std::int64_t n = 0; n < slices; ++n) {
    std::int64_t start = offset + n * per;
    if (n < extra) ++offset;
    std::int64_t end = offset + (n + 1) * per;
    std::vector<Value> tmp(seq.begin() + start, seq.begin() + end);
    if (!fill.is_none() && n >= extra) tmp.push_back(fill);
    out.push_back(Value::list(std::move(tmp)));
  }
  return Value::list(std::move(out));
}

Value f_sort(Interp& in, const Value& v, Args& a) {
  bool rev = a.get(0, "reverse", Value(false)).truthy();
  bool cs = a.get(1, "case_sensitive", Value(false)).truthy();
  Value attr = a.get(2, "attribute", Value::none());
  std::vector<Value> items = iterate(v);
  std::vector<AttrGetter> getters = AttrGetter::multi(attr);
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) {
    Value key;
    if (getters.empty()) {
      key = sort_key(item, cs);
    } else {
      std::vector<Value> parts;
      for (auto& g : getters) parts.push_back(sort_key(g(in, item), cs));
      key = Value::tuple(std::move(parts));
    }
    keyed.emplace_back(std::move(key), item);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return rev ? less_than(y.first, x.first) : less_than(x.first, y.first);
  });
  std::vector<Value> out;
  for (auto& [k, item] : keyed) out.push_back(item);
  return Value::list(std::move(out));
}

Value f_string(Interp&, const Value& v, Args&) {
  return v.is_str() ? v : Value(v.str());
}

Value f_sum(Interp& in, const Value& v, Args& a) {
  Value attr = a.get(0, "attribute", Value::none());
  Value total = a.get(1, "start", Value(std::int64_t{0}));
  AttrGetter get(attr, Value());
  for (auto& item : iterate(v))
    total = binary_op(BinOp::kAdd, total, attr.is_none() ? item : get(in, item), in.limits().max_output);
  return total;
}

Value f_title(Interp&, const Value& v, Args&) {
  std::string s = v.str();
  std::string out;
  auto is_sep = [](char c) {
    return c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           c == '(' || c == '{' || c == '[' || c == '<';
  };
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    bool sep = is_sep(s[i]);
    while (j < s.size() && is_sep(s[j]) == sep) ++j;
    std::string part = s.substr(i, j - i);
    if (!sep) {
      part = py_case_words(part, false, false);
    }
    out += part;
    i = j;
  }
  return Value(std::move(out));
}

Value f_tojson(Interp&, const Value& v, Args& a) {
  Value indent = a.get(0, "indent", Value::none());
  std::int64_t ind = indent.is_none() ? -1 : std::max<std::int64_t>(0, indent.as_int());
  if (ind > 4096) throw TemplateError(ErrorKind::kLimit, "tojson indent exceeds the limit");
  std::string s = to_json(v, ind);
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '\'':
        out += "\\u0027";
        break;
      default:
        out += c;
    }
  }
  return Value::markup(out);
}

Value f_trim(Interp&, const Value& v, Args& a) {
  Args b;
  Value chars = a.get(0, "chars", Value::none());
  if (!chars.is_none()) b.args.push_back(chars);
  return keep_markup(v, str_method_call(Value(v.str()), "strip", b));
}

Value f_truncate(Interp& in, const Value& v, Args& a) {
  std::string s = v.str();
  std::int64_t len = a.get(0, "length", Value(std::int64_t{255})).as_int();
  bool killwords = a.get(1, "killwords", Value(false)).truthy();
  std::string end = a.get(2, "end", Value("...")).str();
  std::int64_t leeway = a.get(3, "leeway", Value(std::int64_t{5})).as_int();
  (void)in;
  std::int64_t end_len = utf8_length(end);
  if (len < end_len)
    throw TemplateError(ErrorKind::kRuntime,
                        "expected length >= " + std::to_string(end_len) + ", got " + std::to_string(len));
  if (leeway < 0)
    throw TemplateError(ErrorKind::kRuntime, "expected leeway >= 0, got " + std::to_string(leeway));
  auto chars = utf8_chars(s);
  if (static_cast<std::int64_t>(chars.size()) <= len + leeway) return Value(s);
  std::string head;
  for (std::int64_t i = 0; i < len - end_len; ++i) head += chars[static_cast<std::size_t>(i)];
  if (killwords) return Value(head + end);
  std::size_t p = head.rfind(' ');
  if (p != std::string::npos) head = head.substr(0, p);
  return Value(head + end);
}

Value f_unique(Interp& in, const Value& v, Args& a) {
  bool cs = a.get(0, "case_sensitive", Value(false)).truthy();
  Value attr = a.get(1, "attribute", Value::none());
  AttrGetter get(attr, Value());
  std::vector<Value> seen, out;
  for (auto& item : iterate(v)) {
    Value key = sort_key(attr.is_none() ? item : get(in, item), cs);
    if (key.is_list() || key.is_dict()) fail_type("unhashable type: '" + key.type_name() + "'");
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value f_urlencode(Interp&, const Value& v, Args&) {
  if (v.is_str() || !(v.is_sequence_like() || v.is_dict())) return Value(url_quote(v.str(), false));
  std::string out;
  std::vector<Value> pairs = v.is_dict() ? std::vector<Value>() : iterate(v);
  if (v.is_dict())
    for (const auto& [k, x] : v.as_dict().entries()) pairs.push_back(Value::tuple({k, x}));
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    auto kv = iterate(pairs[i]);
    if (kv.size() != 2) throw TemplateError(ErrorKind::kValue, "too many values to unpack (expected 2)");
    if (i) out += "&";
    out += url_quote(kv[0].str(), true) + "=" + url_quote(kv[1].str(), true);
  }
  return Value(std::move(out));
}

Value f_wordcount(Interp&, const Value& v, Args&) {
  std::string s = v.str();
  std::int64_t n = 0;
  bool in_word = false;
  for (std::string_view ch : utf8_chars(s)) {
    char c = ch[0];
    bool w;
    if (ch.size() == 1) {
      w = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    } else {
      // \w outside ASCII: letters and digits, not the punctuation and symbol blocks
      std::uint32_t cp = static_cast<unsigned char>(c) & (0xFF >> (ch.size() + 1));
      for (std::size_t k = 1; k < ch.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(ch[k]) & 0x3F);
      w = !((cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
            (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F));
    }
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(n);
}

Value f_wordwrap(Interp&, const Value& v, Args& a) {
  std::int64_t width = a.get(0, "width", Value(std::int64_t{79})).as_int();
  bool break_long = a.get(1, "break_long_words", Value(true)).truthy();
  Value wrap = a.get(2, "wrapstring", Value::none());
  std::string sep = wrap.is_none() ? "\n" : wrap.str();
  if (width <= 0)
    throw TemplateError(ErrorKind::kValue, "invalid width " + std::to_string(width) + " (must be > 0)");
  std::string out;
  auto lines = py_splitlines(v.str());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += sep;
    auto wrapped = text_wrap(lines[i], width, break_long);
    for (std::size_t j = 0; j < wrapped.size(); ++j) {
      if (j) out += sep;
      out += wrapped[j];
    }
  }
  return Value(std::move(out));
}

Value f_xmlattr(Interp&, const Value& v, Args& a) {
  bool autospace = a.get(0, "autospace", Value(true)).truthy();
  if (!v.is_dict()) fail_type("xmlattr requires a mapping");
  std::string rv;
  for (const auto& [k, x] : v.as_dict().entries()) {
    if (x.is_none() || x.is_undefined()) continue;
    std::string key = k.str();
    for (char c : key)
      if (c == ' ' || c == '/' || c == '>' || c == '=' || c == '\t' || c == '\n' || c == '\f')
        throw TemplateError(ErrorKind::kValue, "Invalid character in attribute name: " + k.repr());
    if (!rv.empty()) rv += " ";
    rv += call_escape(key) + "=\"" + (x.is_markup() ? x.as_str() : call_escape(x.str())) + "\"";
  }
  if (autospace && !rv.empty()) rv = " " + rv;
  return Value::markup(rv);
}

Value f_striptags(Interp&, const Value& v, Args&) {
  std::string s = v.str(), out;
  bool in_tag = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 4, "<!--") == 0) {
      std::size_t e = s.find("-->", i);
      if (e == std::string::npos) break;
      i = e + 2;
      continue;
    }
    if (s[i] == '<' && s.find('>', i) != std::string::npos) in_tag = true;
    if (!in_tag) out += s[i];
    if (s[i] == '>') in_tag = false;
  }
  auto words = py_split_ws(out);
  std::string joined;
  for (std::size_t i = 0; i < words.size(); ++i) joined += (i ? " " : "") + words[i];
  return Value(unescape_html(joined));
}

Value f_filesizeformat(Interp&, const Value& v, Args& a) {
  bool binary = a.get(0, "binary", Value(false)).truthy();
  double bytes = v.is_str() ? std::strtod(v.as_str().c_str(), nullptr) : v.as_float();
  double base = binary ? 1024 : 1000;
  const char* prefixes[] = {binary ? "KiB" : "kB", binary ? "MiB" : "MB", binary ? "GiB" : "GB",
                            binary ? "TiB" : "TB", binary ? "PiB" : "PB", binary ? "EiB" : "EB",
                            binary ? "ZiB" : "ZB", binary ? "YiB" : "YB"};
  if (bytes == 1) return Value("1 Byte");
  if (bytes < base) return Value(std::to_string(static_cast<std::int64_t>(bytes)) + " Bytes");
  double unit = base;
  for (int i = 0; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    if (bytes < unit || i == 7) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f %s", base * bytes / unit, prefixes[i]);
      return Value(buf);
    }
  }
  return Value("");
}

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

}  // namespace

FilterFn find_builtin_filter(std::string_view name) {
  for (const auto& f : kFilters)
    if (f.name == name) return f.fn;
  return nullptr;
}

const char* builtin_filter_signature(std::string_view name) {
  for (const auto& f : kFilters)
    if (f.name == name) return f.signature;
  return nullptr;
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
  if (FilterFn fn = find_builtin_filter(name)) {
    check_filter_args(name, builtin_filter_signature(name), args);
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
