// The embedding API: native functions and objects, return(), loaders and macro libraries,
// per-render variables, and several threads rendering one template set.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "jinja/environment.hpp"

namespace pond::jinja {
namespace {

Value dict_of(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::dict();
  for (const auto& [k, v] : items) d.as_dict().set(Value(k), v);
  return d;
}

class Counter final : public NativeObject {
 public:
  Value get_attr(std::string_view name) const override {
    if (name == "count") return Value(count_);
    return Value();
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    if (name != "add") return false;
    count_ += args.get(0, "by", Value(std::int64_t{1})).as_int();
    result = Value(count_);
    return true;
  }
  bool has_method(std::string_view name) const override { return name == "add"; }
  std::string repr() const override { return "<Counter " + std::to_string(count_) + ">"; }

 private:
  std::int64_t count_ = 0;
};

TEST(JinjaApi, NativeFunctionsGetPositionalAndKeywordArguments) {
  Environment env;
  env.add_function("join3", [](CallArgs& a) {
    return Value(a.get(0, "x").str() + a.get(1, "y", Value("-")).str() + a.get(2, "z", Value("?")).str());
  });
  auto t = env.from_string("{{ join3('a') }} {{ join3('a', z='c') }} {{ join3(x='q', y='r') }}");
  EXPECT_EQ(t->render(), "a-? a-c qr?");
}

TEST(JinjaApi, NativeObjectsExposeAttributesAndMethods) {
  Environment env;
  auto t =
      env.from_string("{% do c.add() %}{% do c.add(by=4) %}{{ c.count }} {{ c }} {{ c.nope is defined }}");
  Value vars = dict_of({{"c", Value::object(std::make_shared<Counter>())}});
  EXPECT_EQ(t->render(vars), "5 <Counter 5> False");
}

TEST(JinjaApi, NativeFunctionCanEndAMacroWithAValue) {
  Environment env;
  env.add_function("return", [](CallArgs& a) -> Value { throw MacroReturn{a.get(0, "value")}; });
  auto t = env.from_string(
      "{% macro pick(xs) %}ignored{% do return(xs|select('odd')|list) %}never{% endmacro %}"
      "{{ pick([1, 2, 3]) }} {{ pick([2])|length }}");
  EXPECT_EQ(t->render(), "[1, 3] 0");
}

TEST(JinjaApi, LoaderServesIncludesImportsAndMacroLibraries) {
  std::map<std::string, std::string> files = {
      {"lib.sql",
       "{% macro quote(x) %}\"{{ x }}\"{% endmacro %}{% macro cols(cs) %}"
       "{% for c in cs %}{{ quote(c) }}{{ ', ' if not loop.last }}{% endfor %}{% endmacro %}"},
      {"part.sql", "[{{ name }}]"},
      {"main.sql",
       "{% import 'lib.sql' as lib %}{% from 'lib.sql' import quote %}"
       "select {{ lib.cols(['a', 'b']) }}, {{ quote(name) }} {% include 'part.sql' %}"},
  };
  Environment env;
  env.set_loader([&files](const std::string& name) -> std::optional<std::string> {
    auto it = files.find(name);
    if (it == files.end()) return std::nullopt;
    return it->second;
  });
  Value vars = dict_of({{"name", Value("n")}});
  EXPECT_EQ(env.get_template("main.sql")->render(vars), "select \"a\", \"b\", \"n\" [n]");
  EXPECT_EQ(env.get_template("main.sql"), env.get_template("main.sql"));  // cached
  try {
    env.get_template("nope.sql");
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }

  // A macro library loaded once, its macros registered as globals for other renders.
  auto lib = env.get_template("lib.sql")->load_module();
  Environment env2;
  env2.add_global("cols", lib->get("cols"));
  EXPECT_EQ(env2.from_string("{{ cols(['x']) }}")->render(), "\"x\"");
}

// Names are interned per template: a scope filled by one template is searched by another's
// names (include with context, macro libraries, the renderer's own `loop`/`caller`/`kwargs`).
TEST(JinjaApi, NamesBoundByOneTemplateAreFoundByAnother) {
  std::map<std::string, std::string> files = {
      {"main.sql",
       "{% import 'lib.sql' as lib %}{% set col = 'Main_Col' %}"
       "{% for item in ['A', 'b'] %}{% include 'part.sql' %}{% endfor %}|"
       "{% call lib.wrap(tag='t') %}{{ col | lower }}{% endcall %}|{{ lib.join_lower(['X', 'y'], sep='+') "
       "}}"},
      {"part.sql", "{{ item | lower }}{{ col | lower }};"},
      {"lib.sql",
       "{% macro wrap() %}<{{ kwargs.tag }}:{{ caller() }}>{% endmacro %}"
       "{% macro join_lower(items, sep) %}{% for item in items %}{{ item | lower }}"
       "{{ sep if not loop.last }}{% endfor %}{% endmacro %}"},
  };
  Environment env;
  env.set_loader([&files](const std::string& name) -> std::optional<std::string> {
    auto it = files.find(name);
    if (it == files.end()) return std::nullopt;
    return it->second;
  });
  EXPECT_EQ(env.get_template("main.sql")->render(Value::dict()), "amain_col;bmain_col;|<t:main_col>|x+y");
}

TEST(JinjaApi, MacrosSeeTheCallingRendersVariables) {
  Environment env;
  auto lib = env.from_string("{% macro who() %}{{ user }}{% endmacro %}")->load_module();
  env.add_global("who", lib->get("who"));
  auto t = env.from_string("{{ who() }}");
  EXPECT_EQ(t->render(dict_of({{"user", Value("ann")}})), "ann");
  EXPECT_EQ(t->render(dict_of({{"user", Value("bob")}})), "bob");
}

TEST(JinjaApi, OneTemplateSetRendersOnManyThreads) {
  std::map<std::string, std::string> files = {
      {"m.sql", "{% macro row(i, tag) %}({{ i }}, '{{ tag }}'){% endmacro %}"},
      {"t.sql",
       "{% from 'm.sql' import row %}{% set ns = namespace(n=0) %}"
       "{% for i in range(50) %}{% set ns.n = ns.n + i %}{{ row(i, tag) }}{% endfor %}={{ ns.n }}"},
  };
  Environment env;
  env.set_loader([&files](const std::string& name) -> std::optional<std::string> {
    auto it = files.find(name);
    if (it == files.end()) return std::nullopt;
    return it->second;
  });
  auto t = env.get_template("t.sql");
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      std::string tag = "t" + std::to_string(k);
      for (int n = 0; n < 100; ++n) {
        std::string out = t->render(dict_of({{"tag", Value(tag)}}));
        if (n == 0) results[static_cast<std::size_t>(k)] = out;
        if (out != results[static_cast<std::size_t>(k)]) results[static_cast<std::size_t>(k)] = "MISMATCH";
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int k = 0; k < 4; ++k) {
    const std::string& r = results[static_cast<std::size_t>(k)];
    EXPECT_NE(r, "MISMATCH");
    EXPECT_NE(r.find("(49, 't" + std::to_string(k) + "')"), std::string::npos);
    EXPECT_NE(r.find("=1225"), std::string::npos);
  }
}

// A macro library whose top level holds a list that its macros mutate: renders running at once
// (and renders one after another) must each see their own list, not one shared by all.
TEST(JinjaApi, ImportedModulesWithMutableStateAreNotSharedBetweenRenders) {
  std::map<std::string, std::string> files = {
      {"lib.sql",
       "{% set seen = [] %}{% set ns = namespace(n=0) %}"
       "{% macro note(x) %}{% do seen.append(x) %}{% set ns.n = ns.n + 1 %}{{ seen | length }}/{{ ns.n }}"
       "{% endmacro %}"},
      {"macros.sql", "{% macro q(x) %}\"{{ x }}\"{% endmacro %}"},
      {"t.sql",
       "{% import 'lib.sql' as lib %}{% from 'lib.sql' import note %}{% import 'macros.sql' as m %}"
       "{% for i in range(20) %}{{ lib.note(i) }},{% endfor %}{{ note(99) }}{{ m.q(tag) }}"},
  };
  Environment env;
  env.set_loader([&files](const std::string& name) -> std::optional<std::string> {
    auto it = files.find(name);
    if (it == files.end()) return std::nullopt;
    return it->second;
  });
  std::string expected;
  for (int i = 1; i <= 20; ++i) expected += std::to_string(i) + "/" + std::to_string(i) + ",";
  expected += "21/21";
  auto t = env.get_template("t.sql");
  // Within one render the module is imported once (both imports share the list).
  EXPECT_EQ(t->render(dict_of({{"tag", Value("x")}})), expected + "\"x\"");
  EXPECT_EQ(t->render(dict_of({{"tag", Value("x")}})), expected + "\"x\"");

  std::vector<int> bad(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      std::string tag = "t" + std::to_string(k);
      for (int n = 0; n < 200; ++n)
        if (t->render(dict_of({{"tag", Value(tag)}})) != expected + "\"" + tag + "\"")
          ++bad[static_cast<std::size_t>(k)];
    });
  }
  for (auto& th : threads) th.join();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(bad[static_cast<std::size_t>(k)], 0) << "thread " << k;

  // A library of macros only is rendered once and shared; one with a list is not.
  EXPECT_TRUE(env.get_template("macros.sql")->default_module(0)->shareable());
  EXPECT_EQ(env.get_template("macros.sql")->default_module(0),
            env.get_template("macros.sql")->default_module(0));
  EXPECT_FALSE(env.get_template("lib.sql")->default_module(0)->shareable());
  EXPECT_NE(env.get_template("lib.sql")->default_module(0), env.get_template("lib.sql")->default_module(0));
}

TEST(JinjaApi, CustomFiltersAndTests) {
  Environment env;
  env.add_filter("twice", [](CallArgs& a) { return Value(a.args.at(0).str() + a.args.at(0).str()); });
  env.add_test("short", [](CallArgs& a) { return Value(a.args.at(0).str().size() < 3); });
  EXPECT_EQ(env.from_string("{{ 'ab'|twice }} {{ 'ab' is short }} {{ 'abcd' is short }}")->render(),
            "abab True False");
}

}  // namespace
}  // namespace pond::jinja
