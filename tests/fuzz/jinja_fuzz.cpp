// libFuzzer target: parse and render arbitrary template text with tight limits, so crashes,
// hangs, leaks and undefined behaviour in the Jinja engine surface (scripts/fuzz-jinja).
#include <cstddef>
#include <cstdint>
#include <string>

#include "jinja/environment.hpp"

namespace {

pond::jinja::Environment& environment() {
  static pond::jinja::Environment env;  // configured once; read-only afterwards
  static bool configured = [] {
    pond::jinja::Limits limits;
    limits.max_output = 1 << 20;
    limits.max_range = 10000;
    limits.max_loop_steps = 200000;
    limits.max_depth = 40;
    env.set_limits(limits);
    env.set_loader([](const std::string& name) -> std::optional<std::string> {
      if (name == "lib.j2")
        return "{% macro m(a, b=2) %}[{{ a }}|{{ b }}|{{ caller() if caller }}]{% endmacro %}{% set v = 1 %}";
      if (name == "inc.j2") return "{{ x }}{% for i in items %}{{ i }}{% endfor %}";
      return std::nullopt;
    });
    env.add_function("ret", [](pond::jinja::CallArgs& a) -> pond::jinja::Value {
      throw pond::jinja::MacroReturn{a.get(0, "value")};
    });
    return true;
  }();
  (void)configured;
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using pond::jinja::Value;
  std::string source(reinterpret_cast<const char*>(data), size);
  Value vars = Value::dict();
  vars.as_dict().set(Value("x"), Value("text"));
  vars.as_dict().set(Value("n"), Value(std::int64_t{3}));
  vars.as_dict().set(Value("items"), Value::list({Value(1), Value("a"), Value::none(), Value(2.5)}));
  Value d = Value::dict();
  d.as_dict().set(Value("k"), Value::list({Value(1), Value(2)}));
  vars.as_dict().set(Value("d"), d);
  try {
    auto tmpl = environment().from_string(source, "fuzz.j2");
    std::string out = tmpl->render(vars);
  } catch (const pond::jinja::TemplateError&) {
  } catch (const pond::jinja::MacroReturn&) {
  }
  return 0;
}
