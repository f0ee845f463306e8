#include "compile/modules.hpp"

#include <memory>

#include "jinja/error.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

class FunctionBag final : public jinja::NativeObject {
 public:
  FunctionBag(std::vector<std::pair<std::string, Value>> members, jinja::NativeFunction call)
      : members_(std::move(members)), call_(std::move(call)) {}
  Value get_attr(std::string_view name) const override {
    for (const auto& [k, v] : members_)
      if (k == name) return v;
    return Value::undefined();
  }
  bool callable() const override { return static_cast<bool>(call_); }
  Value call(CallArgs& args) override {
    if (!call_) throw jinja::TemplateError(jinja::ErrorKind::kType, "object is not callable");
    return call_(args);
  }
  std::string type_name() const override { return "module"; }

 private:
  std::vector<std::pair<std::string, Value>> members_;
  jinja::NativeFunction call_;
};

}  // namespace

Value module_bag(std::vector<std::pair<std::string, Value>> members, jinja::NativeFunction call) {
  return Value::object(std::make_shared<FunctionBag>(std::move(members), std::move(call)));
}

Value make_modules() {
  Value datetime = datetime_module();
  // pytz: dbt projects ask for UTC (pond's datetimes are naive UTC); timezone(name) accepts
  // UTC only, so that a conversion pond cannot do is an error rather than a wrong time.
  // utc.localize(dt) / utc.normalize(dt): the naive UTC datetime is already what they give.
  auto same = [](CallArgs& a) { return a.get(0, "dt"); };
  Value utc = module_bag({{"zone", Value("UTC")},
                          {"localize", Value::function("localize", same)},
                          {"normalize", Value::function("normalize", same)}});
  Value pytz = module_bag(
      {{"utc", utc}, {"UTC", utc}, {"timezone", Value::function("timezone", [utc](CallArgs& a) {
                                      std::string name = a.get(0, "zone").str();
                                      if (name == "UTC" || name == "utc" || name == "Etc/UTC") return utc;
                                      throw jinja::TemplateError(
                                          jinja::ErrorKind::kValue,
                                          "pytz.timezone('" + name + "'): pond's datetimes are UTC only");
                                    })}});
  return module_bag(
      {{"datetime", datetime}, {"re", re_module()}, {"itertools", itertools_module()}, {"pytz", pytz}});
}

}  // namespace pond::compile
