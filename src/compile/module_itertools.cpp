// modules.itertools: the finite tools of Python's itertools (chain, product, combinations,
// permutations, islice, groupby, ...). Jinja has no lazy iterators, so each returns a list
// (of tuples where Python yields tuples); a result past kMaxItems is an error rather than a
// render that never ends. The infinite ones (count, cycle, repeat without times) are left out.
#include <algorithm>
#include <numeric>

#include "compile/modules.hpp"
#include "jinja/environment.hpp"
#include "jinja/error.hpp"
#include "jinja/ops.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

constexpr std::size_t kMaxItems = 1'000'000;

[[noreturn]] void fail(jinja::ErrorKind kind, const std::string& message) {
  throw jinja::TemplateError(kind, message);
}

void check_size(std::size_t n, const char* fn) {
  if (n > kMaxItems)
    fail(jinja::ErrorKind::kLimit,
         std::string("itertools.") + fn + "() would make more than " + std::to_string(kMaxItems) + " items");
}

std::int64_t count_arg(const Value& v, const char* fn, const char* name) {
  if (!v.is_int()) fail(jinja::ErrorKind::kType, std::string(fn) + "() " + name + " must be an integer");
  if (v.as_int() < 0)
    fail(jinja::ErrorKind::kValue, std::string(fn) + "() " + name + " must be non-negative");
  return v.as_int();
}

// Positional arguments are the iterables (chain, product, zip_longest).
std::vector<std::vector<Value>> iterables(const CallArgs& a) {
  std::vector<std::vector<Value>> out;
  out.reserve(a.args.size());
  for (const auto& v : a.args) out.push_back(jinja::iterate(v));
  return out;
}

Value chain(const std::vector<std::vector<Value>>& parts) {
  std::vector<Value> out;
  for (const auto& p : parts) {
    check_size(out.size() + p.size(), "chain");
    out.insert(out.end(), p.begin(), p.end());
  }
  return Value::list(std::move(out));
}

Value product(CallArgs& a) {
  std::int64_t repeat =
      count_arg(a.kwarg("repeat") ? *a.kwarg("repeat") : Value(std::int64_t{1}), "product", "repeat");
  std::vector<std::vector<Value>> pools;
  for (std::int64_t i = 0; i < repeat; ++i)
    for (auto& p : iterables(a)) pools.push_back(std::move(p));
  std::size_t total = 1;
  for (const auto& p : pools) {
    if (p.empty()) return Value::list();
    total *= p.size();
    check_size(total, "product");
  }
  std::vector<Value> out;
  out.reserve(total);
  std::vector<std::size_t> index(pools.size(), 0);
  for (std::size_t n = 0; n < total; ++n) {
    std::vector<Value> item;
    item.reserve(pools.size());
    for (std::size_t i = 0; i < pools.size(); ++i) item.push_back(pools[i][index[i]]);
    out.push_back(Value::tuple(std::move(item)));
    for (std::size_t i = pools.size(); i-- > 0;) {  // the rightmost advances fastest
      if (++index[i] < pools[i].size()) break;
      index[i] = 0;
    }
  }
  return Value::list(std::move(out));
}

// r-length selections of `pool` by index, in Python's order: combinations (increasing
// indices), with replacement (non-decreasing) or permutations (distinct, any order).
enum class Select { kCombinations, kWithReplacement, kPermutations };

void select_into(const std::vector<Value>& pool, std::size_t r, Select how, std::vector<std::size_t>& picked,
                 std::vector<bool>& used, std::vector<Value>& out, const char* fn) {
  if (picked.size() == r) {
    check_size(out.size() + 1, fn);
    std::vector<Value> item;
    item.reserve(r);
    for (std::size_t i : picked) item.push_back(pool[i]);
    out.push_back(Value::tuple(std::move(item)));
    return;
  }
  std::size_t start = 0;
  if (!picked.empty() && how == Select::kCombinations) start = picked.back() + 1;
  if (!picked.empty() && how == Select::kWithReplacement) start = picked.back();
  for (std::size_t i = start; i < pool.size(); ++i) {
    if (how == Select::kPermutations && used[i]) continue;
    picked.push_back(i);
    used[i] = true;
    select_into(pool, r, how, picked, used, out, fn);
    used[i] = false;
    picked.pop_back();
  }
}

Value select(CallArgs& a, Select how, const char* fn) {
  std::vector<Value> pool = jinja::iterate(a.get(0, "iterable"));
  Value r_arg = a.get(1, "r");
  std::size_t r = how == Select::kPermutations && (r_arg.is_undefined() || r_arg.is_none())
                      ? pool.size()
                      : static_cast<std::size_t>(count_arg(r_arg, fn, "r"));
  std::vector<Value> out;
  if (how != Select::kWithReplacement && r > pool.size()) return Value::list();
  if (how == Select::kWithReplacement && pool.empty() && r > 0) return Value::list();
  std::vector<std::size_t> picked;
  std::vector<bool> used(pool.size(), false);
  select_into(pool, r, how, picked, used, out, fn);
  return Value::list(std::move(out));
}

// islice(iterable, stop) or islice(iterable, start, stop[, step]); None means "from the start"
// / "to the end", as in Python.
Value islice(CallArgs& a) {
  std::vector<Value> items = jinja::iterate(a.get(0, "iterable"));
  auto bound = [&](const Value& v, std::int64_t fallback, const char* name) {
    return v.is_undefined() || v.is_none() ? fallback : count_arg(v, "islice", name);
  };
  std::int64_t size = static_cast<std::int64_t>(items.size());
  std::int64_t start = 0, stop = size, step = 1;
  if (a.args.size() <= 2) {
    stop = bound(a.get(1, "stop"), size, "stop");
  } else {
    start = bound(a.args[1], 0, "start");
    stop = bound(a.args[2], size, "stop");
    step = a.args.size() > 3 ? bound(a.args[3], 1, "step") : 1;
    if (step == 0) fail(jinja::ErrorKind::kValue, "islice() step must be a positive integer");
  }
  std::vector<Value> out;
  for (std::int64_t i = start; i < std::min(stop, size); i += step)
    out.push_back(items[static_cast<std::size_t>(i)]);
  return Value::list(std::move(out));
}

// groupby(iterable, key=None): runs of consecutive items with equal keys, as (key, [items])
// pairs; the key is a macro or function called with each item.
Value groupby(CallArgs& a) {
  std::vector<Value> items = jinja::iterate(a.get(0, "iterable"));
  Value key_fn = a.get(1, "key");
  bool has_key = !(key_fn.is_undefined() || key_fn.is_none());
  if (has_key && !key_fn.is_callable()) fail(jinja::ErrorKind::kType, "groupby() key must be callable");
  if (has_key && !a.render) fail(jinja::ErrorKind::kType, "groupby() key cannot be called here");
  std::vector<Value> out;
  Value current_key;
  std::vector<Value> group;
  for (const auto& item : items) {
    Value k = item;
    if (has_key) {
      CallArgs call;
      call.args.push_back(item);
      call.render = a.render;
      k = a.render->call(key_fn, call);
    }
    if (!group.empty() && !(k == current_key)) {
      out.push_back(Value::tuple({current_key, Value::list(std::move(group))}));
      group.clear();
    }
    if (group.empty()) current_key = k;
    group.push_back(item);
  }
  if (!group.empty()) out.push_back(Value::tuple({current_key, Value::list(std::move(group))}));
  return Value::list(std::move(out));
}

// zip_longest(*iterables, fillvalue=None).
Value zip_longest(CallArgs& a) {
  auto parts = iterables(a);
  Value fill = a.kwarg("fillvalue") ? *a.kwarg("fillvalue") : Value::none();
  std::size_t longest = 0;
  for (const auto& p : parts) longest = std::max(longest, p.size());
  std::vector<Value> out;
  for (std::size_t i = 0; i < longest; ++i) {
    std::vector<Value> item;
    for (const auto& p : parts) item.push_back(i < p.size() ? p[i] : fill);
    out.push_back(Value::tuple(std::move(item)));
  }
  return Value::list(std::move(out));
}

// accumulate(iterable): running sums (the default operator.add), with `initial` first when given.
Value accumulate(CallArgs& a) {
  std::vector<Value> items = jinja::iterate(a.get(0, "iterable"));
  std::vector<Value> out;
  Value total;
  if (const Value* initial = a.kwarg("initial"); initial && !initial->is_none()) {
    total = *initial;
    out.push_back(total);
  }
  for (const auto& v : items) {
    total = total.is_undefined() ? v : jinja::binary_op(jinja::BinOp::kAdd, total, v, std::size_t{256} << 20);
    out.push_back(total);
  }
  return Value::list(std::move(out));
}

}  // namespace

Value itertools_module() {
  Value chain_fn = module_bag(
      {{"from_iterable", Value::function("from_iterable",
                                         [](CallArgs& a) {
                                           std::vector<std::vector<Value>> parts;
                                           for (const auto& p : jinja::iterate(a.get(0, "iterable")))
                                             parts.push_back(jinja::iterate(p));
                                           return chain(parts);
                                         })}},
      [](CallArgs& a) { return chain(iterables(a)); });
  return module_bag({
      {"chain", chain_fn},
      {"product", Value::function("product", product)},
      {"combinations",
       Value::function("combinations",
                       [](CallArgs& a) { return select(a, Select::kCombinations, "combinations"); })},
      {"combinations_with_replacement", Value::function("combinations_with_replacement",
                                                        [](CallArgs& a) {
                                                          return select(a, Select::kWithReplacement,
                                                                        "combinations_with_replacement");
                                                        })},
      {"permutations",
       Value::function("permutations",
                       [](CallArgs& a) { return select(a, Select::kPermutations, "permutations"); })},
      {"islice", Value::function("islice", islice)},
      {"groupby", Value::function("groupby", groupby)},
      {"zip_longest", Value::function("zip_longest", zip_longest)},
      {"accumulate", Value::function("accumulate", accumulate)},
      {"repeat", Value::function("repeat",
                                 [](CallArgs& a) {
                                   Value times = a.get(1, "times");
                                   if (times.is_undefined() || times.is_none())
                                     fail(jinja::ErrorKind::kValue,
                                          "itertools.repeat() needs `times` in pond (no endless iterators)");
                                   std::int64_t n = count_arg(times, "repeat", "times");
                                   check_size(static_cast<std::size_t>(n), "repeat");
                                   return Value::list(
                                       std::vector<Value>(static_cast<std::size_t>(n), a.get(0, "object")));
                                 })},
  });
}

}  // namespace pond::compile
