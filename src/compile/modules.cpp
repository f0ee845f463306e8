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
  return module_bag({{"datetime", datetime_module()},
                     {"re", re_module()},
                     {"itertools", itertools_module()},
                     {"pytz", pytz_module()}});
}

}  // namespace pond::compile
