// Rendering: Python-exact printing, control flow, scoping, filters, errors and limits.
#include <gtest/gtest.h>

#include "jinja/environment.hpp"

namespace pond::jinja {
namespace {

std::string render(const std::string& src, const Value& vars = Value()) {
  Environment env;
  return env.from_string(src)->render(vars);
}

TEST(JinjaRender, PrintsValuesLikePython) {
  EXPECT_EQ(render("{{ [1, 'a', None] }}"), "[1, 'a', None]");
  EXPECT_EQ(render("{{ {'a': 1, 'b': (2,)} }}"), "{'a': 1, 'b': (2,)}");
  EXPECT_EQ(render("{{ 1.0 }} {{ 0.1 }} {{ 1e20 }} {{ 1e16 }} {{ 1e-5 }} {{ 0.0001 }}"),
            "1.0 0.1 1e+20 1e+16 1e-05 0.0001");
  EXPECT_EQ(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 / 2 }} {{ -7 % 3 }} {{ 2 ** 10 }}"), "3 -4 3.5 2 1024");
  EXPECT_EQ(render("{{ \"it's\" }}|{{ ['it\\'s'] }}"), "it's|[\"it's\"]");
  EXPECT_EQ(render("{{ true }} {{ none }} {{ missing }}|"), "True None |");
}

TEST(JinjaRender, WhitespaceControlAndTrailingNewline) {
  EXPECT_EQ(render("a  {%- if true -%}  b  {%- endif -%}  c\n"), "abc");
  EXPECT_EQ(render("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
  EXPECT_EQ(render("x{# comment #}y\n\n"), "xy\n");
}

TEST(JinjaRender, LoopsAndScoping) {
  EXPECT_EQ(
      render(
          "{% for a, b in [(1, 2), (3, 4)] %}{{ loop.index }}:{{ a + b }}{% if not loop.last %},{% endif %}"
          "{% endfor %}"),
      "1:3,2:7");
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}"
                   "{{ ns.n }}"),
            "6");
  EXPECT_EQ(render("{% for i in range(10) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
            "012");
  EXPECT_EQ(render("{% for i in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in 'ab' %}{{ loop.cycle('o', 'e') }}{{ loop.previtem is defined }}{% endfor %}"),
            "oFalseeTrue");
}

TEST(JinjaRender, MacrosCallerAndVarargs) {
  EXPECT_EQ(
      render(
          "{% macro m(a, b=2) %}{{ a }}{{ b }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 3, 4, k=5) }}"),
      "13(4,){'k': 5}");
  EXPECT_EQ(render("{% macro w() %}<{{ caller(1) }}>{% endmacro %}{% call(x) w() %}in{{ x }}{% endcall %}"),
            "<in1>");
  EXPECT_EQ(render("{% filter upper %}abc{% endfilter %}{% set s %}x{{ 1 }}{% endset %}{{ s }}"), "ABCx1");
}

TEST(JinjaRender, FiltersTestsAndMethods) {
  EXPECT_EQ(render("{{ [3, 1, 2]|sort|join(',') }} {{ 'a,b'.split(',') }} {{ 'x'|upper }}"),
            "1,2,3 ['a', 'b'] X");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2}|dictsort }}"), "[('a', 2), ('b', 1)]");
  EXPECT_EQ(render("{{ '%s-%05.1f'|format('a', 3.14159) }} {{ '{}:{:>3}'.format('k', 7) }}"),
            "a-003.1 k:  7");
  EXPECT_EQ(render("{{ 4 is even }} {{ none is none }} {{ 'x' is string }} {{ 3 is divisibleby 3 }}"),
            "True True True True");
  EXPECT_EQ(render("{{ {'a': [1, '<']}|tojson }}"), "{\"a\": [1, \"\\u003c\"]}");
  EXPECT_EQ(render("{{ 2.5|round }} {{ 2.675|round(2) }} {{ 'ÉLAN'|lower }}"), "2.0 2.67 élan");
}

TEST(JinjaRender, ErrorsCarryPlaceAndKind) {
  Environment env;
  try {
    env.from_string("line1\n{{ 1 + }}", "t.sql");
    FAIL() << "expected a syntax error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kSyntax);
    EXPECT_EQ(e.template_name(), "t.sql");
    EXPECT_EQ(e.line(), 2);
  }
  try {
    env.from_string("ok\n\n  {{ x.y }}", "u.sql")->render();
    FAIL() << "expected an undefined error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUndefined);
    EXPECT_EQ(e.message(), "'x' is undefined");
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.describe(), "u.sql:3:6: UndefinedError: 'x' is undefined");
  }
  EXPECT_THROW(render("{{ 1 / 0 }}"), TemplateError);
  EXPECT_THROW(render("{% foo %}"), TemplateError);
  EXPECT_THROW(render("{{ 'a' + 1 }}"), TemplateError);
}

TEST(JinjaRender, LimitsStopRunawayTemplates) {
  Environment env;
  Limits limits;
  limits.max_depth = 20;
  limits.max_output = 1000;
  limits.max_range = 100;
  env.set_limits(limits);
  auto fails_with_limit = [&](const std::string& src) {
    try {
      env.from_string(src)->render();
    } catch (const TemplateError& e) {
      return e.kind() == ErrorKind::kLimit;
    }
    return false;
  };
  EXPECT_TRUE(fails_with_limit("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
  EXPECT_TRUE(fails_with_limit("{% for i in range(90) %}{{ 'x' * 50 }}{% endfor %}"));
  EXPECT_TRUE(fails_with_limit("{{ range(1000)|list }}"));
  EXPECT_TRUE(fails_with_limit("{{ 'x' * 100000 }}"));
  EXPECT_THROW(env.from_string("{{ " + std::string(400, '(') + "1" + std::string(400, ')') + " }}"),
               TemplateError);
}

TEST(JinjaRender, SelfReferencingContainersDoNotLeakOrRecurseForever) {
  // Run under ASan: the cycle is broken when the render ends.
  EXPECT_EQ(render("{% set l = [] %}{% do l.append(l) %}{{ l|length }}"), "1");
  EXPECT_THROW(render("{% set l = [] %}{% do l.append(l) %}{{ l }}"), TemplateError);
  EXPECT_EQ(render("{% set ns = namespace() %}{% macro m() %}{{ ns.v }}{% endmacro %}{% set ns.f = m %}"
                   "{% set ns.v = 1 %}{{ ns.f() }}"),
            "1");
}

}  // namespace
}  // namespace pond::jinja
