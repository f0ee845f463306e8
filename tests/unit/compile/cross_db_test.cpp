// dbt's cross-database macros as pond compiles them (and their dispatch to a project's own
// duckdb__/default__), modules.itertools, and datetime arithmetic in templates.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "unit/compile/project_compiler_test.hpp"

namespace pond::compile {

namespace {

class CrossDbTest : public ProjectCompilerTest {
 protected:
  void load(const std::string& macros = "") {
    test::write_file(dir_ / "dbt_project.yml", "name: shop\n");
    test::write_file(dir_ / "models/m.sql", "select 1 as x");
    if (!macros.empty()) test::write_file(dir_ / "macros/own.sql", macros);
    compile_project();
  }
  std::string sql(const std::string& text) { return inline_sql(text); }
};

}  // namespace

TEST_F(CrossDbTest, MacrosRenderDuckDbSql) {
  load();
  EXPECT_EQ(sql("{{ dbt.dateadd('month', 'n + 1', 'd') }}"), "(d + ((interval '1 month') * (n + 1)))");
  EXPECT_EQ(sql("{{ dbt.datediff('a', 'b', 'week') }}"),
            "date_diff('week', cast(a as timestamp), cast(b as timestamp))");
  EXPECT_EQ(sql("{{ dbt.type_string() }} {{ dbt.type_int() }} {{ dbt.type_bigint() }} {{ dbt.type_float() }} "
                "{{ dbt.type_numeric() }} {{ dbt.type_timestamp() }} {{ dbt.type_boolean() }}"),
            "TEXT integer bigint float numeric(28,6) timestamp boolean");
  EXPECT_EQ(sql("{{ dbt.safe_cast('x', dbt.type_int()) }}|{{ dbt.hash('id') }}|{{ dbt.concat(['a', 'b']) }}"),
            "cast(x as integer)|md5(cast(id as TEXT))|concat(a, b)");
  EXPECT_EQ(sql("{{ dbt.listagg('x', \"'|'\", 'order by y', 2) }}"),
            "array_to_string(list_slice(array_agg(x order by y), 1, 2), '|')");
  EXPECT_EQ(sql("{{ dbt.split_part('s', \"','\", -1) }}|{{ "
                "dbt.string_literal(dbt.escape_single_quotes(\"it's\")) }}"),
            "string_split(s, ',')[-1]|'it''s'");
  EXPECT_EQ(sql("{{ dbt.last_day('d', 'quarter') }}"),
            "cast(((date_trunc('quarter', d) + ((interval '1 month') * (3))) + ((interval '1 day') * (-1))) "
            "as date)");
  EXPECT_EQ(
      sql("{{ dbt.date(2024, 2, 29) }}|{{ dbt.array_construct() }}|{{ dbt.array_construct(['1'], 'TEXT') }}"),
      "cast('2024-02-29' as date)|cast([] as integer[])|[1]");
  EXPECT_EQ(
      sql("{{ dbt.get_powers_of_two(1) }} {{ dbt.get_powers_of_two(5) }} {{ dbt.get_powers_of_two(1024) }}"),
      "1 3 10");
  EXPECT_THROW(sql("{{ dbt.date(2023, 2, 29) }}"), UserError);
  EXPECT_THROW(sql("{{ dbt.get_powers_of_two(0) }}"), UserError);
}

TEST_F(CrossDbTest, UnqualifiedNamesResolveAsInDbt) {
  load();
  EXPECT_EQ(sql("{{ dateadd('day', 1, 'd') }}|{{ except() }}|{{ type_boolean() }}"),
            "(d + ((interval '1 day') * (1)))|except|boolean");
}

TEST_F(CrossDbTest, TheProjectsOwnImplementationWins) {
  load(
      "{% macro duckdb__dateadd(datepart, interval, from_date_or_timestamp) %}"
      "date_add({{ from_date_or_timestamp }}, {{ interval }})"
      "{% endmacro %}"
      "{% macro default__type_string() %}{{ return('VARCHAR') }}{% endmacro %}");
  EXPECT_EQ(sql("{{ dbt.dateadd('day', 2, 'd') }}|{{ dateadd('day', 2, 'd') }}|{{ dbt.type_string() }}"),
            "date_add(d, 2)|date_add(d, 2)|VARCHAR");
  EXPECT_EQ(sql("{{ dbt.hash('x') }}"), "md5(cast(x as VARCHAR))");  // dbt's macro, the project's type
}

TEST_F(CrossDbTest, ModulesItertools) {
  load("{% macro first_letter(s) %}{{ return(s[0]) }}{% endmacro %}");
  EXPECT_EQ(
      sql("{% set it = modules.itertools %}"
          "{{ it.chain([1, 2], (3,), 'ab') }}|{{ it.chain.from_iterable([[1], [2, 3]]) }}|"
          "{{ it.product('ab', [1, 2]) }}|{{ it.product([0, 1], repeat=2) | length }}|"
          "{{ it.combinations([1, 2, 3], 2) }}|{{ it.combinations([1], 2) }}|"
          "{{ it.combinations_with_replacement('ab', 2) }}|{{ it.permutations([1, 2, 3], 2) | length }}|"
          "{{ it.permutations('ab') }}|{{ it.islice(range(10), 3) }}|{{ it.islice(range(10), 2, 8, 3) }}|"
          "{{ it.islice('abc', 1, none) }}|{{ it.zip_longest([1, 2], 'a', fillvalue='-') }}|"
          "{{ it.accumulate([1, 2, 3]) }}|{{ it.repeat('x', 2) }}"),
      "[1, 2, 3, 'a', 'b']|[1, 2, 3]|[('a', 1), ('a', 2), ('b', 1), ('b', 2)]|4|"
      "[(1, 2), (1, 3), (2, 3)]|[]|[('a', 'a'), ('a', 'b'), ('b', 'b')]|6|"
      "[('a', 'b'), ('b', 'a')]|[0, 1, 2]|[2, 5]|['b', 'c']|[(1, 'a'), (2, '-')]|[1, 3, 6]|['x', 'x']");
  EXPECT_EQ(
      sql("{% for k, g in modules.itertools.groupby(['apple', 'avocado', 'banana', 'apricot'], "
          "key=first_letter) %}{{ k }}={{ g | join('+') }};{% endfor %}"
          "{% for k, g in modules.itertools.groupby([1, 1, 2]) %}{{ k }}:{{ g | length }};{% endfor %}"),
      "a=apple+avocado;b=banana;a=apricot;1:2;2:1;");
  EXPECT_THROW(sql("{{ modules.itertools.product(range(1000), range(1000), range(10)) }}"), UserError);
  EXPECT_THROW(sql("{{ modules.itertools.repeat('x') }}"), UserError);
  EXPECT_THROW(sql("{{ modules.itertools.combinations([1], -1) }}"), UserError);
}

TEST_F(CrossDbTest, DatetimeArithmeticAndOrdering) {
  load();
  EXPECT_EQ(sql("{% set dt = modules.datetime %}{% set start = dt.datetime(2024, 3, 1, 12, 30) %}"
                "{{ start - dt.timedelta(days=3) }}|{{ dt.timedelta(hours=1) + start }}|"
                "{{ start - dt.datetime(2024, 2, 28) }}|{{ (start - dt.datetime(2024, 3, 2)).days }}|"
                "{{ dt.date(2024, 12, 25) - dt.date(2024, 1, 1) }}|{{ dt.date(2024, 3, 1) - "
                "dt.timedelta(days=1) }}|"
                "{{ dt.date(2024, 3, 1) + dt.timedelta(hours=47) }}|"
                "{{ dt.timedelta(days=1) * 2 + dt.timedelta(hours=1) }}|{{ 3 * dt.timedelta(minutes=1) }}|"
                "{{ dt.timedelta(days=1) / dt.timedelta(hours=6) }}|{{ dt.timedelta(hours=3) / 2 }}|"
                "{{ (start + dt.timedelta(days=30)).strftime('%Y-%m-%d') }}|"
                "{{ (start - dt.timedelta(days=1)).date().isoformat() }}|"
                "{{ (start - dt.timedelta(minutes=30)).replace(day=2).isoformat() }}"),
            "2024-02-27 12:30:00|2024-03-01 13:30:00|2 days, 12:30:00|-1|359 days, 0:00:00|2024-02-29|"
            "2024-03-02|2 days, 1:00:00|0:03:00|4.0|1:30:00|2024-03-31|2024-02-29|2024-03-02T12:00:00");
  EXPECT_EQ(sql("{% set dt = modules.datetime %}"
                "{{ dt.datetime(2024, 1, 1) < dt.datetime(2024, 1, 2) }} "
                "{{ dt.datetime(2024, 1, 1) == dt.datetime(2024, 1, 1) }} "
                "{{ dt.date(2024, 1, 1) >= dt.date(2024, 1, 2) }} "
                "{{ dt.timedelta(days=1) > dt.timedelta(hours=23) }} "
                "{{ dt.datetime.now() - dt.timedelta(days=3) < dt.datetime.now() }} "
                "{{ run_started_at > modules.pytz.utc.localize(dt.datetime(2026, 1, 1)) }} "
                "{{ [dt.date(2024, 5, 1), dt.date(2023, 5, 1)] | max }}"),
            "True True False True True True 2024-05-01");
  EXPECT_EQ(sql("{% set utc = modules.pytz.utc %}{% set d = modules.datetime.datetime(2024, 1, 1, 6) %}"
                "{{ utc.localize(d) }}|{{ modules.pytz.timezone('UTC').normalize(utc.localize(d)) == "
                "utc.localize(d) }}"),
            "2024-01-01 06:00:00+00:00|True");
  // Python's errors: mixing types, and leaving datetime's year range.
  EXPECT_THROW(sql("{{ modules.datetime.date(2024, 1, 1) < modules.datetime.datetime(2024, 1, 1) }}"),
               UserError);
  EXPECT_THROW(sql("{{ modules.datetime.datetime(2024, 1, 1) + 1 }}"), UserError);
  EXPECT_THROW(sql("{{ modules.datetime.timedelta(days=1) - modules.datetime.datetime(2024, 1, 1) }}"),
               UserError);
  EXPECT_THROW(sql("{{ modules.datetime.date(9999, 12, 31) + modules.datetime.timedelta(days=1) }}"),
               UserError);
}

}  // namespace pond::compile
