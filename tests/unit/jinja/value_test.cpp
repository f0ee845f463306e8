// The value model: dict lookups (small scans and the hashed index), and Undefined values whose
// error messages are formatted only when used, also after the template that made them is gone.
#include <gtest/gtest.h>

#include <string>

#include "jinja/environment.hpp"

namespace pond::jinja {
namespace {

std::string error_of(const std::string& src, const Value& vars = Value()) {
  Environment env;
  try {
    env.from_string(src)->render(vars);
  } catch (const TemplateError& e) {
    return e.message();
  }
  return "(rendered)";
}

TEST(JinjaValue, MissingAttributesRaiseJinja2sMessages) {
  Value vars = Value::dict();
  vars.as_dict().set(Value("d"), Value::dict());
  vars.as_dict().set(Value("n"), Value::none());
  EXPECT_EQ(error_of("{{ d.x.y }}", vars), "'dict object' has no attribute 'x'");
  EXPECT_EQ(error_of("{{ d['a_key_longer_than_sixteen'].y }}", vars),
            "'dict object' has no attribute 'a_key_longer_than_sixteen'");
  EXPECT_EQ(error_of("{{ n.x.y }}", vars), "'None' has no attribute 'x'");
  EXPECT_EQ(error_of("{{ (1).x + 1 }}"), "'int object' has no attribute 'x'");
  EXPECT_EQ(error_of("{{ 's'.nope.x }}"), "'str object' has no attribute 'nope'");
  EXPECT_EQ(error_of("{{ [1].nope + 1 }}"), "'list object' has no attribute 'nope'");
  EXPECT_EQ(error_of("{{ missing + 1 }}"), "'missing' is undefined");
  EXPECT_EQ(error_of("{% set ns = namespace() %}{{ ns.some_long_attribute_name + 1 }}"),
            "'jinja2.utils.Namespace object' has no attribute 'some_long_attribute_name'");
  EXPECT_EQ(error_of("{% for x in [1] %}{{ loop.nope + 1 }}{% endfor %}"),
            "'jinja2.runtime.LoopContext object' has no attribute 'nope'");
}

TEST(JinjaValue, UndefinedKeepsItsMessageAfterTheTemplateIsGone) {
  Value out = Value::list();
  {
    Environment env;
    Value vars = Value::dict();
    vars.as_dict().set(Value("out"), out);
    vars.as_dict().set(Value("d"), Value::dict());
    env.from_string(
           "{% do out.append(d.an_attribute_name_of_some_length) %}{% do out.append(d['k']) %}"
           "{% do out.append(unbound_name) %}")
        ->render(vars);
  }
  ASSERT_EQ(out.items().size(), 3u);
  EXPECT_EQ(out.items()[0].undefined_hint(),
            "'dict object' has no attribute 'an_attribute_name_of_some_length'");
  EXPECT_EQ(out.items()[1].undefined_hint(), "'dict object' has no attribute 'k'");
  EXPECT_EQ(out.items()[2].undefined_hint(), "'unbound_name' is undefined");
  EXPECT_TRUE(out.items()[0].has_undefined_hint());
  EXPECT_FALSE(Value().has_undefined_hint());
}

TEST(JinjaValue, DictFindsKeysOfEverySizeSmallAndIndexed) {
  for (int n : {3, 11, 12, 40}) {
    Value d = Value::dict();
    auto key = [](int i) { return std::string(static_cast<std::size_t>(i % 20), 'k') + std::to_string(i); };
    for (int i = 0; i < n; ++i) d.as_dict().set(Value(key(i)), Value(i));
    d.as_dict().set(Value(std::int64_t{7}), Value("seven"));
    for (int i = 0; i < n; ++i) {
      const Value* v = d.as_dict().find_str(key(i));
      ASSERT_NE(v, nullptr) << n << " " << key(i);
      EXPECT_EQ(v->as_int(), i);
      ASSERT_NE(d.as_dict().find(Value(key(i))), nullptr);
    }
    EXPECT_EQ(d.as_dict().find_str("k"), nullptr);
    EXPECT_EQ(d.as_dict().find_str(""), nullptr);
    EXPECT_EQ(d.as_dict().find_str(key(0) + "x"), nullptr);
    EXPECT_EQ(d.as_dict().find(Value(7.0))->as_str(), "seven");
    EXPECT_EQ(d.as_dict().find_str("7"), nullptr);
  }
}

TEST(JinjaValue, NamespaceAssignmentReplacesInPlace) {
  Environment env;
  EXPECT_EQ(env.from_string("{% set ns = namespace(a=1) %}{% for i in range(3) %}{% set ns.a = ns.a + i %}"
                            "{% set ns.b = i %}{% endfor %}{{ ns.a }} {{ ns.b }} {{ ns }}")
                ->render(),
            "4 2 <Namespace {'a': 4, 'b': 2}>");
}

}  // namespace
}  // namespace pond::jinja
