#include "compile/base_context.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <thread>

#include "common/log.hpp"
#include "compile/modules.hpp"
#include "compile/values.hpp"
#include "jinja/error.hpp"
#include "project/dbt_version.hpp"
#include "project/hashing.hpp"
#include "project/yaml_json.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

bool contains(const std::vector<Value>& items, const Value& v) {
  for (const auto& i : items)
    if (i == v) return true;
  return false;
}

std::vector<Value> iterate_any(const Value& v) {
  if (v.is_sequence_like()) return v.items();
  if (v.is_dict()) {
    std::vector<Value> keys;
    for (const auto& [k, x] : v.as_dict().entries()) keys.push_back(k);
    return keys;
  }
  if (v.is_str()) {
    std::vector<Value> out;
    for (char c : v.as_str()) out.emplace_back(std::string(1, c));
    return out;
  }
  if (v.is_object() && v.as_object()->iterable()) return v.as_object()->iterate();
  throw jinja::TemplateError(jinja::ErrorKind::kType, "'" + v.type_name() + "' object is not iterable");
}

// Python's set over Jinja values: unique items in insertion order (Python orders by hash; a
// template that prints a set sees its items in the order they came).
class SetValue final : public jinja::NativeObject {
 public:
  explicit SetValue(std::vector<Value> items) {
    for (auto& v : items) add(std::move(v));
  }
  void add(Value v) {
    if (!contains(items_, v)) items_.push_back(std::move(v));
  }
  bool iterable() const override { return true; }
  // Python iterates a set of small integers in ascending order (their hashes); other items
  // keep the order they came in (Python's order for strings changes from run to run).
  std::vector<Value> iterate() const override {
    std::vector<Value> out = items_;
    if (std::all_of(out.begin(), out.end(), [](const Value& v) { return v.is_int(); }))
      std::sort(out.begin(), out.end(),
                [](const Value& a, const Value& b) { return a.as_int() < b.as_int(); });
    return out;
  }
  bool truthy() const override { return !items_.empty(); }
  std::string repr() const override {
    if (items_.empty()) return "set()";
    std::string out = "{";
    auto items = iterate();
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i].repr();
    return out + "}";
  }
  std::string type_name() const override { return "set"; }
  bool compare(const Value& other, int& order) const override {
    auto* o = other.is_object() ? dynamic_cast<SetValue*>(other.as_object()) : nullptr;
    if (!o) return false;
    bool sub = subset_of(o->items_), sup = o->subset_of(items_);
    order = sub && sup ? 0 : sub ? -1 : 1;
    return true;
  }
  bool arithmetic(char op, const Value& other, bool self_on_left, Value& result) const override {
    auto* o = other.is_object() ? dynamic_cast<SetValue*>(other.as_object()) : nullptr;
    if (!o || op != '-') return false;
    const auto& a = self_on_left ? items_ : o->items_;
    const auto& b = self_on_left ? o->items_ : items_;
    std::vector<Value> out;
    for (const auto& v : a)
      if (!contains(b, v)) out.push_back(v);
    result = make_set(std::move(out));
    return true;
  }
  bool has_method(std::string_view n) const override {
    static constexpr std::string_view kMethods[] = {
        "add",      "update",     "union",      "intersection", "difference", "symmetric_difference",
        "issubset", "issuperset", "isdisjoint", "discard",      "remove",     "pop",
        "copy",     "clear"};
    return std::find(std::begin(kMethods), std::end(kMethods), n) != std::end(kMethods);
  }
  bool call_method(std::string_view n, CallArgs& args, Value& result) override {
    std::vector<Value> other;
    for (const auto& a : args.args) {
      auto more = iterate_any(a);
      other.insert(other.end(), more.begin(), more.end());
    }
    result = Value::none();
    if (n == "add") {
      add(args.get(0, "elem"));
    } else if (n == "update") {
      for (auto& v : other) add(v);
    } else if (n == "union") {
      std::vector<Value> out = items_;
      out.insert(out.end(), other.begin(), other.end());
      result = make_set(std::move(out));
    } else if (n == "intersection" || n == "difference") {
      std::vector<Value> out;
      for (const auto& v : items_)
        if (contains(other, v) == (n == "intersection")) out.push_back(v);
      result = make_set(std::move(out));
    } else if (n == "symmetric_difference") {
      std::vector<Value> out;
      for (const auto& v : items_)
        if (!contains(other, v)) out.push_back(v);
      for (const auto& v : other)
        if (!contains(items_, v)) out.push_back(v);
      result = make_set(std::move(out));
    } else if (n == "issubset") {
      result = Value(subset_of(other));
    } else if (n == "issuperset") {
      bool all = true;
      for (const auto& v : other) all = all && contains(items_, v);
      result = Value(all);
    } else if (n == "isdisjoint") {
      bool none = true;
      for (const auto& v : other) none = none && !contains(items_, v);
      result = Value(none);
    } else if (n == "discard" || n == "remove") {
      Value v = args.get(0, "elem");
      auto it = std::find(items_.begin(), items_.end(), v);
      if (it == items_.end() && n == "remove") throw jinja::TemplateError(jinja::ErrorKind::kKey, v.repr());
      if (it != items_.end()) items_.erase(it);
    } else if (n == "pop") {
      if (items_.empty()) throw jinja::TemplateError(jinja::ErrorKind::kKey, "'pop from an empty set'");
      result = iterate().front();
      items_.erase(std::find(items_.begin(), items_.end(), result));
    } else if (n == "copy") {
      result = make_set(items_);
    } else {
      items_.clear();
    }
    return true;
  }
  void for_each_child(const std::function<void(const Value&)>& fn) const override {
    for (const auto& v : items_) fn(v);
  }
  void clear_children() override { items_.clear(); }

 private:
  bool subset_of(const std::vector<Value>& other) const {
    for (const auto& v : items_)
      if (!contains(other, v)) return false;
    return true;
  }
  std::vector<Value> items_;
};

Value zip_values(const std::vector<Value>& lists) {
  std::vector<std::vector<Value>> seqs;
  for (const auto& l : lists) seqs.push_back(iterate_any(l));
  std::size_t n = seqs.empty() ? 0 : SIZE_MAX;
  for (const auto& s : seqs) n = std::min(n, s.size());
  std::vector<Value> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<Value> t;
    for (const auto& s : seqs) t.push_back(s[i]);
    out.push_back(Value::tuple(std::move(t)));
  }
  return Value::list(std::move(out));
}

std::string casefold(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void emit_yaml(YAML::Emitter& out, const nlohmann::json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      out << YAML::Key << k << YAML::Value;
      emit_yaml(out, v);
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& v : j) emit_yaml(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << j.get<std::string>();
  } else {
    out << j.dump();
  }
}

}  // namespace

Value make_set(std::vector<Value> items) {
  return Value::object(std::make_shared<SetValue>(std::move(items)));
}

Value env_var(CallArgs& a) {
  std::string name = arg_str(a, 0, "var");
  if (const char* v = std::getenv(name.c_str())) return Value(std::string(v));
  if (a.args.size() > 1 || a.kwarg("default")) {
    Value d = a.get(1, "default");
    return d.is_none() ? d : Value(d.str());
  }
  compiler_error("Env var required but not provided: '" + name + "'");
}

void install_base_context(jinja::Environment& env, const BaseContextOptions& options) {
  env.add_function("env_var", [](CallArgs& a) { return env_var(a); });
  env.add_function("return", [](CallArgs& a) -> Value { throw jinja::MacroReturn{a.get(0, "data")}; });
  env.add_function("fromjson", [](CallArgs& a) {
    try {
      return to_value(nlohmann::json::parse(arg_str(a, 0, "string")));
    } catch (const nlohmann::json::exception&) {
      return a.get(1, "default", Value::none());
    }
  });
  env.add_function("tojson", [](CallArgs& a) {
    try {
      return Value(jinja::json_dumps(a.get(0, "value"), -1, a.get(2, "sort_keys", Value(false)).truthy()));
    } catch (const jinja::TemplateError&) {
      return a.get(1, "default", Value::none());
    }
  });
  env.add_function("fromyaml", [](CallArgs& a) {
    try {
      return to_value(project::yaml_to_json(YAML::Load(arg_str(a, 0, "value"))));
    } catch (const YAML::Exception&) {
      return a.get(1, "default", Value::none());
    }
  });
  env.add_function("toyaml", [](CallArgs& a) {
    YAML::Emitter out;
    emit_yaml(out, to_json(a.get(0, "value")));
    return Value(std::string(out.c_str()) + "\n");
  });
  env.add_function("set", [](CallArgs& a) {
    Value v = a.get(0, "value");
    try {
      return make_set(iterate_any(v));
    } catch (const jinja::TemplateError&) {
      return a.get(1, "default", Value::none());
    }
  });
  env.add_function("set_strict", [](CallArgs& a) { return make_set(iterate_any(a.get(0, "value"))); });
  env.add_function("zip", [](CallArgs& a) {
    try {
      return zip_values(a.args);
    } catch (const jinja::TemplateError&) {
      const Value* d = a.kwarg("default");
      return d ? *d : Value::none();
    }
  });
  env.add_function("zip_strict", [](CallArgs& a) { return zip_values(a.args); });
  env.add_function("log", [](CallArgs& a) {
    std::string msg = arg_str(a, 0, "msg");
    if (a.get(1, "info", Value(false)).truthy())
      log::info("{}", msg);
    else
      log::debug("{}", msg);
    return Value("");
  });
  env.add_function("print", [](CallArgs& a) {
    std::fprintf(stderr, "%s\n", arg_str(a, 0, "msg").c_str());
    return Value("");
  });
  // dict_a minus dict_b, comparing keys and list items case-insensitively (dbt's grants helper).
  env.add_function("diff_of_two_dicts", [](CallArgs& a) {
    Value da = a.get(0, "dict_a"), db = a.get(1, "dict_b");
    Value out = Value::dict();
    if (!da.is_dict()) return out;
    std::map<std::string, std::vector<std::string>> lowered;
    if (db.is_dict())
      for (const auto& [k, v] : db.as_dict().entries()) {
        auto& l = lowered[casefold(k.str())];
        for (const auto& x : iterate_any(v)) l.push_back(casefold(x.str()));
      }
    for (const auto& [k, v] : da.as_dict().entries()) {
      auto it = lowered.find(casefold(k.str()));
      if (it == lowered.end()) {
        out.as_dict().set(k, v);
        continue;
      }
      std::vector<Value> diff;
      for (const auto& x : iterate_any(v))
        if (std::find(it->second.begin(), it->second.end(), casefold(x.str())) == it->second.end())
          diff.push_back(x);
      if (!diff.empty()) out.as_dict().set(k, Value::list(std::move(diff)));
    }
    return out;
  });
  env.add_function("local_md5", [](CallArgs& a) { return Value(project::md5_hex(arg_str(a, 0, "value"))); });
  env.add_global("modules", make_modules());
  env.add_global("dbt_version", Value(std::string(project::kDbtVersion)));
  env.add_global("invocation_id", Value(options.invocation_id));
  env.add_global("run_started_at", make_utc_datetime(options.run_started_at));
  env.add_global("thread_id", Value("Thread-1"));
}

}  // namespace pond::compile
