// Jinja2's builtin filters on sequences and mappings (map, select, groupby, join, sort, ...).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

#include "jinja/filters_builtin.hpp"
#include "jinja/filters_util.hpp"
#include "jinja/interp.hpp"
#include "jinja/methods.hpp"
#include "jinja/ops.hpp"
#include "jinja/parser.hpp"

namespace pond::jinja {

using Args = CallArgs;

namespace {

Value min_max(Interp& in, const Value& v, Args& a, bool want_max) {
  bool cs = arg_truthy(a, 0, "case_sensitive", false);
  const Value* attr_p = arg_at(a, 1, "attribute");
  Value attr = attr_p ? *attr_p : Value::none();
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

// The items of `v` to filter or map: a list or tuple read in place (builtin tests and filters run no
// template code that could change it), anything else iterated into `owned`.
const std::vector<Value>& items_of(const Value& v, std::vector<Value>& owned) {
  if (v.is_sequence_like()) return v.items();
  if (v.truthy()) owned = iterate(v);
  return owned;
}

Value select_impl(Interp& in, const Value& v, Args& a, bool attr_mode, bool want) {
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
  TestFn builtin = test.empty() ? nullptr : find_builtin_test(test);  // resolved once, not per item
  // An embedder's test might change the list: it then iterates a copy.
  const bool runs_no_code = test.empty() || builtin;
  std::vector<Value> owned;
  if (!runs_no_code && v.truthy()) owned = iterate(v);
  const std::vector<Value>& items = runs_no_code ? items_of(v, owned) : owned;
  std::vector<Value> out;
  out.reserve(items.size());
  Value got;
  for (const auto& item : items) {
    const Value* x = &item;
    bool missing = false;
    if (attr_mode && !(x = get.peek(item, missing))) {
      if (test.empty() && missing) {  // `selectattr('flag')` on rows without it
        if (!want) out.push_back(item);
        continue;
      }
      got = get(in, item);
      x = &got;
    }
    bool ok = test.empty() ? x->truthy()
              : builtin    ? builtin(in, *x, targs)
                           : call_test_by_name(in, test, *x, targs);
    if (ok == want) out.push_back(item);
  }
  return Value::list(std::move(out));
}

}  // namespace

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
  std::int64_t n = arg_int(a, 0, "linecount", 0);
  const Value* fill_p = arg_at(a, 1, "fill_with");
  Value fill = fill_p ? *fill_p : Value::none();
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

Value f_dictsort(Interp&, const Value& v, Args& a) {
  bool cs = arg_truthy(a, 0, "case_sensitive", false);
  const Value* by_p = arg_at(a, 1, "by");
  std::string by = by_p ? by_p->str() : std::string("key");
  bool rev = arg_truthy(a, 2, "reverse", false);
  if (!v.is_dict()) fail_type("dictsort requires a mapping");
  int pos = by == "key" ? 0 : by == "value" ? 1 : -1;
  if (pos < 0) throw TemplateError(ErrorKind::kRuntime, "You can only sort by either \"key\" or \"value\"");
  // Sort keys are made once per entry, not once per comparison.
  const auto& entries = v.as_dict().entries();
  std::vector<std::pair<Value, std::size_t>> keyed;
  keyed.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i)
    keyed.emplace_back(sort_key(pos ? entries[i].second : entries[i].first, cs), i);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return rev ? less_than(y.first, x.first) : less_than(x.first, y.first);
  });
  std::vector<Value> items;
  items.reserve(keyed.size());
  for (const auto& [key, i] : keyed) items.push_back(Value::tuple({entries[i].first, entries[i].second}));
  return Value::list(std::move(items));
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

Value f_groupby(Interp& in, const Value& v, Args& a) {
  const Value* attr = arg_at(a, 0, "attribute");
  const Value* dflt = arg_at(a, 1, "default");
  bool cs = arg_truthy(a, 2, "case_sensitive", false);
  AttrGetter get(attr ? *attr : Value(), dflt ? *dflt : Value::none());
  std::vector<Value> items = iterate(v);
  std::vector<Value> reals, keys;
  reals.reserve(items.size());
  keys.reserve(items.size());
  for (const auto& item : items) {
    const Value* found = get.peek(item);
    reals.push_back(found ? *found : get(in, item));
    keys.push_back(sort_key(reals.back(), cs));
  }
  // The sort moves indices, not values.
  std::vector<std::uint32_t> order(items.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return less_than(keys[x], keys[y]); });
  std::vector<Value> out;
  for (std::size_t i = 0; i < order.size();) {
    const Value& key = keys[order[i]];
    std::size_t j = i + 1;
    while (j < order.size() && keys[order[j]] == key) ++j;
    std::vector<Value> group;
    group.reserve(j - i);
    for (std::size_t k = i; k < j; ++k) group.push_back(std::move(items[order[k]]));
    std::vector<Value> pair;
    pair.reserve(2);
    pair.push_back(std::move(reals[order[i]]));
    pair.push_back(Value::list(std::move(group)));
    out.push_back(Value::tuple(std::move(pair)));
    i = j;
  }
  return Value::list(std::move(out));
}

Value f_items(Interp&, const Value& v, Args&) {
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) fail_type("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, x] : v.as_dict().entries()) out.push_back(Value::tuple({k, x}));
  return Value::list(std::move(out));
}

Value f_join(Interp& in, const Value& v, Args& a) {
  const Value* d = arg_at(a, 0, "d");
  std::string sep = d ? d->str() : std::string();
  const Value* attr_p = arg_at(a, 1, "attribute");
  Value attr = attr_p ? *attr_p : Value::none();
  AttrGetter get(attr, Value());
  std::vector<Value> owned;
  if (!v.is_sequence_like()) owned = iterate(v);  // a TypeError for what is not iterable
  const std::vector<Value>& items = v.is_sequence_like() ? v.items() : owned;
  std::string out;
  bool markup = false;
  Value got;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Value* item = &items[i];
    if (!attr.is_none() && !(item = get.peek(items[i]))) {
      got = get(in, items[i]);
      item = &got;
    }
    if (i) out += sep;
    markup = markup || item->is_markup();
    item->append_str(out);
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
  std::vector<Value> owned;
  const std::vector<Value>& items = items_of(v, owned);
  std::vector<Value> out;
  out.reserve(items.size());
  if (const Value* attr = a.kwarg("attribute")) {
    const Value* d = a.kwarg("default");
    AttrGetter get(*attr, d ? *d : Value());
    for (const auto& item : items) {
      const Value* found = get.peek(item);
      out.push_back(found ? *found : get(in, item));
    }
    return Value::list(std::move(out));
  }
  if (a.args.empty()) fail_type("map requires a filter argument");
  std::string name = a.args[0].str();
  Args rest;
  rest.render = &in;
  rest.args.assign(a.args.begin() + 1, a.args.end());
  rest.kwargs = a.kwargs;
  const char* signature = nullptr;
  if (FilterFn fn = find_builtin_filter(name, signature)) {
    // The arguments are the same for every item: check them once.
    if (!items.empty()) check_filter_args(name, signature, rest);
    for (const auto& item : items) out.push_back(fn(in, item, rest));
    return Value::list(std::move(out));
  }
  // An embedder's filter might change the list: it then maps a copy.
  if (&items != &owned) owned = items;
  for (const auto& item : owned) out.push_back(call_filter_by_name(in, name, item, rest));
  return Value::list(std::move(out));
}

Value f_max(Interp& in, const Value& v, Args& a) {
  return min_max(in, v, a, true);
}

Value f_min(Interp& in, const Value& v, Args& a) {
  return min_max(in, v, a, false);
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

Value f_slice(Interp&, const Value& v, Args& a) {
  std::int64_t slices = arg_int(a, 0, "slices", 0);
  const Value* fill_p = arg_at(a, 1, "fill_with");
  Value fill = fill_p ? *fill_p : Value::none();
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
  bool rev = arg_truthy(a, 0, "reverse", false);
  bool cs = arg_truthy(a, 1, "case_sensitive", false);
  const Value* attr_p = arg_at(a, 2, "attribute");
  Value attr = attr_p ? *attr_p : Value::none();
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

Value f_sum(Interp& in, const Value& v, Args& a) {
  const Value* attr_p = arg_at(a, 0, "attribute");
  const Value* start_p = arg_at(a, 1, "start");
  Value attr = attr_p ? *attr_p : Value::none();
  Value total = start_p ? *start_p : Value(std::int64_t{0});
  AttrGetter get(attr, Value());
  for (auto& item : iterate(v))
    total = binary_op(BinOp::kAdd, total, attr.is_none() ? item : get(in, item), in.limits().max_output);
  return total;
}

Value f_unique(Interp& in, const Value& v, Args& a) {
  bool cs = arg_truthy(a, 0, "case_sensitive", false);
  const Value* attr_p = arg_at(a, 1, "attribute");
  Value attr = attr_p ? *attr_p : Value::none();
  AttrGetter get(attr, Value());
  // A set, as Jinja2's, for the keys whose hash agrees with == (str, numbers, None); objects and
  // tuples (which an embedder's object may equal by value) are compared one by one.
  struct Hash {
    std::size_t operator()(const Value& x) const { return x.hash(); }
  };
  std::unordered_set<Value, Hash> simple;
  std::vector<Value> other, out;
  for (auto& item : iterate(v)) {
    Value key = sort_key(attr.is_none() ? item : get(in, item), cs);
    if (key.is_list() || key.is_dict()) fail_type("unhashable type: '" + key.type_name() + "'");
    bool is_simple = key.is_str() || key.is_number() || key.is_none() || key.is_undefined();
    bool seen = std::any_of(other.begin(), other.end(), [&](const Value& o) { return o == key; });
    if (!seen && is_simple) seen = simple.count(key) != 0;
    if (!seen && !is_simple)
      seen = std::any_of(simple.begin(), simple.end(), [&](const Value& o) { return o == key; });
    if (seen) continue;
    if (is_simple)
      simple.insert(key);
    else
      other.push_back(key);
    out.push_back(item);
  }
  return Value::list(std::move(out));
}

}  // namespace pond::jinja
