#include <gtest/gtest.h>

#include "common/error.hpp"
#include "project/env_render.hpp"
#include "project/sql_scan.hpp"

namespace pond::project {

TEST(SqlScan, FindsRefsSourcesAndConfigWithLines) {
  SqlScan s = scan_sql(
      "{{ config(materialized='table', tags=['a', \"b\"], unique_key=None, full_refresh=false) }}\n"
      "select * from {{ ref('stg_orders') }}\n"
      "join {{ ref(\"pkg\", 'other') }} using (id)\n"
      "-- depends_on: {{ ref('hidden') }}\n"
      "join {{ source('raw', 'items') }}\n"
      "{# {{ ref('commented_out') }} #}\n"
      "where x = '{{ var(\"y\") }}' and {{ my_macro(1) }} and {{ dbt_utils.star(ref('z')) }}");
  ASSERT_EQ(s.refs.size(), 4u);
  EXPECT_EQ(s.refs[0].name, "stg_orders");
  EXPECT_EQ(s.refs[0].line, 2);
  EXPECT_EQ(s.refs[1].package, "pkg");
  EXPECT_EQ(s.refs[1].name, "other");
  EXPECT_EQ(s.refs[2].name, "hidden");
  EXPECT_EQ(s.refs[3].name, "z");
  ASSERT_EQ(s.sources.size(), 1u);
  EXPECT_EQ(s.sources[0].source, "raw");
  EXPECT_EQ(s.sources[0].table, "items");
  EXPECT_EQ(s.sources[0].line, 5);
  EXPECT_EQ(s.config["materialized"], "table");
  EXPECT_EQ(s.config["tags"], nlohmann::json::array({"a", "b"}));
  EXPECT_TRUE(s.config["unique_key"].is_null());
  EXPECT_EQ(s.config["full_refresh"], false);
  EXPECT_FALSE(s.dynamic);
  EXPECT_NE(std::find(s.calls.begin(), s.calls.end(), "my_macro"), s.calls.end());
  EXPECT_NE(std::find(s.calls.begin(), s.calls.end(), "dbt_utils.star"), s.calls.end());
  EXPECT_NE(std::find(s.calls.begin(), s.calls.end(), "var"), s.calls.end());
}

TEST(SqlScan, PythonModelCallsOfDbtOnly) {
  SqlScan s = scan_python(
      "# don't ref('commented') or dbt.ref('commented')\n"
      "def model(dbt, session):\n"
      "    dbt.config(materialized=\"incremental\", unique_key='id', meta={'a': 1})\n"
      "    other.ref('not_dbt')\n"
      "    x = dbt.ref('pkg', \"up\")\n"
      "    s = 'dbt.ref(\"in_string\")'\n"
      "    return dbt.source('raw', 'items').join(dbt.ref('up2'), 'x')\n");
  ASSERT_EQ(s.refs.size(), 2u);
  EXPECT_EQ(s.refs[0].package, "pkg");
  EXPECT_EQ(s.refs[0].name, "up");
  EXPECT_EQ(s.refs[0].line, 5);
  EXPECT_EQ(s.refs[1].name, "up2");
  ASSERT_EQ(s.sources.size(), 1u);
  EXPECT_EQ(s.sources[0].table, "items");
  EXPECT_EQ(s.config, nlohmann::json::parse(
                          R"({"materialized": "incremental", "unique_key": "id", "meta": {"a": 1}})"));
  EXPECT_TRUE(s.calls.empty());
}

TEST(SqlScan, NonLiteralArgumentsAreDynamic) {
  SqlScan s = scan_sql("{% set n = 'a' %}select * from {{ ref(n) }}");
  EXPECT_TRUE(s.dynamic);
  EXPECT_TRUE(s.refs.empty());
  EXPECT_FALSE(scan_sql("select 1").has_jinja);
}

TEST(SqlScan, FindsBlocksAndRejectsUnclosedOnes) {
  std::string text =
      "{% macro a(x, y=2) %}A{% endmacro %}\n{%- test pos(model, column_name) -%}T{%- endtest -%}\n"
      "{% docs d %}D{% enddocs %}";
  auto blocks = find_blocks(text, "m.sql");
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].kind, "macro");
  EXPECT_EQ(blocks[0].name, "a");
  EXPECT_EQ(blocks[0].arguments, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(text.substr(blocks[0].body_begin, blocks[0].body_end - blocks[0].body_begin), "A");
  EXPECT_EQ(blocks[1].kind, "test");
  EXPECT_EQ(blocks[1].line, 2);
  EXPECT_EQ(blocks[2].kind, "docs");
  try {
    find_blocks("\n{% macro broken() %} select 1", "macros/m.sql");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(e.where()->line, 2);
    EXPECT_NE(std::string(e.what()).find("never closed"), std::string::npos);
  }
}

TEST(SqlScan, ParsesLiterals) {
  nlohmann::json j;
  ASSERT_TRUE(parse_literal("{'a': [1, 2.5, -3], \"b\": (True, None)}", j));
  EXPECT_EQ(j["a"][1], 2.5);
  EXPECT_EQ(j["a"][2], -3);
  EXPECT_EQ(j["b"][0], true);
  EXPECT_FALSE(parse_literal("a + 1", j));
}

TEST(EnvRender, ReplacesEnvVarCallsOnly) {
  setenv("POND_TEST_ENV", "value1", 1);
  unsetenv("POND_TEST_MISSING");
  EXPECT_EQ(
      render_env_vars("a: {{ env_var('POND_TEST_ENV') }}\nb: {{ env_var(\"POND_TEST_MISSING\", 'dflt') }}\n"
                      "c: \"{{ this }}\"",
                      "f.yml"),
      "a: value1\nb: dflt\nc: \"{{ this }}\"");
  try {
    render_env_vars("x: 1\ny: {{ env_var('POND_TEST_MISSING') }}", "profiles.yml");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(e.where()->line, 2);
    EXPECT_EQ(e.where()->column, 4);
    EXPECT_NE(std::string(e.what()).find("POND_TEST_MISSING"), std::string::npos);
  }
}

}  // namespace pond::project
