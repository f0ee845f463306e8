// Jinja2's default globals: range, dict, lipsum, cycler, joiner, namespace.
#include "jinja/globals.hpp"

#include <cmath>

#include "jinja/interp.hpp"
#include "jinja/objects.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

namespace {

class CyclerObj final : public NativeObject {
 public:
  explicit CyclerObj(std::vector<Value> items) : items_(std::move(items)) {}
  Value get_attr(std::string_view n) const override {
    if (n == "current") return items_[pos_];
    if (n == "items") return Value::tuple(items_);
    return Value();
  }
  bool call_method(std::string_view n, CallArgs&, Value& r) override {
    if (n == "next") {
      r = items_[pos_];
      pos_ = (pos_ + 1) % items_.size();
      return true;
    }
    if (n == "reset") {
      pos_ = 0;
      r = Value::none();
      return true;
    }
    return false;
  }
  bool has_method(std::string_view n) const override { return n == "next" || n == "reset"; }
  std::string type_name() const override { return "Cycler"; }
  std::string repr() const override { return "<jinja2.utils.Cycler object>"; }
  void for_each_child(const std::function<void(const Value&)>& fn) const override {
    for (const auto& v : items_) fn(v);
  }
  void clear_children() override {
    items_.assign(1, Value::none());
    pos_ = 0;
  }

 private:
  std::vector<Value> items_;
  std::size_t pos_ = 0;
};

class JoinerObj final : public NativeObject {
 public:
  explicit JoinerObj(std::string sep) : sep_(std::move(sep)) {}
  bool callable() const override { return true; }
  Value call(CallArgs&) override {
    if (!used_) {
      used_ = true;
      return Value("");
    }
    return Value(sep_);
  }
  std::string type_name() const override { return "Joiner"; }
  std::string repr() const override { return "<jinja2.utils.Joiner object>"; }

 private:
  std::string sep_;
  bool used_ = false;
};

std::int64_t int_of(const Value& v, const char* what) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  if (v.is_undefined()) fail_undefined(v);
  fail_type("'" + v.type_name() + "' object cannot be interpreted as an integer");
  (void)what;
}

constexpr const char* kLipsumWords[] = {"lorem",      "ipsum",        "dolor",
                                        "sit",        "amet",         "consectetur",
                                        "adipiscing", "elit",         "sed",
                                        "do",         "eiusmod",      "tempor",
                                        "incididunt", "ut",           "labore",
                                        "et",         "dolore",       "magna",
                                        "aliqua",     "enim",         "ad",
                                        "minim",      "veniam",       "quis",
                                        "nostrud",    "exercitation", "ullamco",
                                        "laboris",    "nisi",         "aliquip",
                                        "ex",         "ea",           "commodo",
                                        "consequat",  "duis",         "aute",
                                        "irure",      "in",           "reprehenderit",
                                        "voluptate",  "velit",        "esse"};

}  // namespace

void install_default_globals(Environment& env) {
  env.add_function("range", [&env](CallArgs& a) -> Value {
    if (!a.kwargs.empty()) fail_type("range() takes no keyword arguments");
    if (a.args.empty() || a.args.size() > 3)
      fail_type("range expected at most 3 arguments, got " + std::to_string(a.args.size()));
    std::int64_t start = 0, stop, step = 1;
    if (a.args.size() == 1) {
      stop = int_of(a.args[0], "stop");
    } else {
      start = int_of(a.args[0], "start");
      stop = int_of(a.args[1], "stop");
      if (a.args.size() == 3) step = int_of(a.args[2], "step");
    }
    if (step == 0) throw TemplateError(ErrorKind::kValue, "range() arg 3 must not be zero");
    double approx = (static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step);
    if (approx > static_cast<double>(env.limits().max_range))
      throw TemplateError(ErrorKind::kLimit, "range() of " + float_repr(std::ceil(approx)) +
                                                 " items exceeds the limit of " +
                                                 std::to_string(env.limits().max_range));
    return Value::object(std::make_shared<RangeObj>(start, stop, step));
  });
  env.add_function("dict", [](CallArgs& a) -> Value {
    Value d = Value::dict();
    if (!a.args.empty()) {
      if (a.args.size() > 1)
        fail_type("dict expected at most 1 argument, got " + std::to_string(a.args.size()));
      const Value& src = a.args[0];
      if (src.is_dict()) {
        for (const auto& [k, v] : src.as_dict().entries()) d.as_dict().set(k, v);
      } else {
        for (const auto& pair : iterate(src)) {
          auto kv = iterate(pair);
          if (kv.size() != 2)
            throw TemplateError(ErrorKind::kValue, "dictionary update sequence element has length " +
                                                       std::to_string(kv.size()) + "; 2 is required");
          d.as_dict().set(kv[0], kv[1]);
        }
      }
    }
    for (const auto& [k, v] : a.kwargs) d.as_dict().set(Value(k), v);
    return d;
  });
  env.add_function("namespace", [](CallArgs& a) -> Value {
    auto ns = std::make_shared<NamespaceObj>();
    for (const auto& arg : a.args) {
      if (arg.is_dict())
        for (const auto& [k, v] : arg.as_dict().entries()) ns->attrs.as_dict().set(k, v);
      else
        fail_type("namespace() arguments must be mappings");
    }
    for (const auto& [k, v] : a.kwargs) ns->attrs.as_dict().set(Value(k), v);
    return Value::object(ns);
  });
  env.add_function("cycler", [](CallArgs& a) -> Value {
    if (a.args.empty()) throw TemplateError(ErrorKind::kRuntime, "at least one item has to be provided");
    return Value::object(std::make_shared<CyclerObj>(a.args));
  });
  env.add_function("joiner", [](CallArgs& a) -> Value {
    if (a.args.size() + a.kwargs.size() > 1)
      fail_type("Joiner.__init__() takes from 1 to 2 positional arguments but " +
                std::to_string(a.args.size() + 1) + " were given");
    return Value::object(std::make_shared<JoinerObj>(a.get(0, "sep", Value(", ")).str()));
  });
  env.add_function("lipsum", [](CallArgs& a) -> Value {
    // Deterministic filler text (Jinja2's is random, so no template can depend on its words).
    std::int64_t n = a.get(0, "n", Value(std::int64_t{5})).as_int();
    bool html = a.get(1, "html", Value(true)).truthy();
    std::int64_t lo = a.get(2, "min", Value(std::int64_t{20})).as_int();
    std::int64_t hi = a.get(3, "max", Value(std::int64_t{100})).as_int();
    if (n > 1000 || hi > 10000 || lo > 10000 || lo < 0 || hi < 0)
      throw TemplateError(ErrorKind::kLimit, "lipsum size exceeds the limit");
    std::uint64_t seed = 12345;
    std::string out;
    constexpr std::size_t nwords = sizeof(kLipsumWords) / sizeof(kLipsumWords[0]);
    for (std::int64_t p = 0; p < n; ++p) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      std::int64_t words =
          lo + static_cast<std::int64_t>((seed >> 33) %
                                         static_cast<std::uint64_t>(std::max<std::int64_t>(hi - lo, 1)));
      std::string para;
      for (std::int64_t w = 0; w < words; ++w) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        std::string word = kLipsumWords[(seed >> 33) % nwords];
        if (w == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
        para += (w ? " " : "") + word;
      }
      para += ".";
      if (p) out += html ? "\n" : "\n\n";
      out += html ? "<p>" + para + "</p>" : para;
    }
    return html ? Value::markup(out) : Value(out);
  });
}

}  // namespace pond::jinja
