// Statement blocks, load_result, run_query tables, modules.datetime/re/pytz, execute at parse.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "compile/compiler.hpp"
#include "project/manifest.hpp"
#include "project/project_file.hpp"
#include "support/temp_dir.hpp"
#include "unit/compile/project_compiler_test.hpp"

namespace pond::compile {

namespace {

// Answers every query with a fixed two-column result and records the SQL it was given.
struct FakeDatabase : ExecutionHooks {
  std::vector<std::string> queries;
  QueryResult run_query(const std::string& sql) override {
    queries.push_back(sql);
    QueryResult r;
    r.columns = {"status", "n", "share", "day", "ok"};
    r.types = {"VARCHAR", "BIGINT", "DECIMAL(5,2)", "DATE", "BOOLEAN"};
    r.rows = {{"placed", "3", "0.25", "2026-01-02", "true"}, {"shipped", "9", "0.75", std::nullopt, "false"}};
    r.rows_affected = 0;
    return r;
  }
};

class ContextExtrasTest : public ProjectCompilerTest {
 protected:
  void SetUp() override {
    test::write_file(dir_ / "dbt_project.yml", "name: shop\n");
    test::write_file(dir_ / "seeds/raw.csv", "id\n1\n");
    test::write_file(
        dir_ / "macros/m.sql",
        "{% macro status_list() %}\n"
        "  {% call statement('statuses', fetch_result=True) %}select status from {{ ref('raw') }}"
        "{% endcall %}\n"
        "  {% if execute %}{{ return(load_result('statuses')['data'] | map(attribute=0) | list) }}"
        "{% else %}{{ return([]) }}{% endif %}\n"
        "{% endmacro %}");
    // A dynamic ref, so the model is rendered at parse time too (where nothing may run).
    test::write_file(dir_ / "models/m.sql",
                     "{% set name = 'r' ~ 'aw' %}{% if execute %}{{ status_list() | join(',') }}{% endif %}"
                     " from {{ ref(name) }}");
  }

  void load(ExecutionHooks* hooks) { compile_project(hooks); }
};

}  // namespace

TEST_F(ContextExtrasTest, StatementBlocksRunAndLoadResultReadsThem) {
  FakeDatabase db;
  load(&db);
  EXPECT_TRUE(db.queries.empty()) << "nothing runs at parse time";
  auto i = *manifest_.index_of("model.shop.m");
  compiler_->compile_nodes({i});
  EXPECT_EQ(manifest_.nodes[i].compiled_code, "placed,shipped from \"db\".\"main\".\"raw\"");
  ASSERT_EQ(db.queries.size(), 1u);
  EXPECT_EQ(db.queries[0], "select status from \"db\".\"main\".\"raw\"");

  // Values are typed from the column types; the response and table are there too.
  EXPECT_EQ(inline_sql(
                "{% call statement('s', fetch_result=True) %}select 1{% endcall %}"
                "{% set r = load_result('s') %}{{ r['data'][0][1] + 1 }}|{{ r['data'][1][2] * 4 }}|"
                "{{ r['data'][0][3].strftime('%d.%m') }}|{{ r['data'][1][3] is none }}|{{ r['data'][0][4] }}|"
                "{{ r['response']['rows_affected'] }}|{{ r['table'].column_names | join(',') }}|"
                "{{ load_result('nope') is none }}"),
            "4|3.0|02.01|True|True|0|status,n,share,day,ok|True");
  // Without fetch_result the statement runs but keeps no rows.
  EXPECT_EQ(inline_sql(
                "{% call statement('s') %}delete from x{% endcall %}{{ load_result('s')['data'] | length }}"),
            "0");
  EXPECT_EQ(db.queries.back(), "delete from x");
}

TEST_F(ContextExtrasTest, RunQueryGivesAnAgateLikeTable) {
  FakeDatabase db;
  load(&db);
  EXPECT_EQ(inline_sql("{% set t = run_query('select 1') %}{{ t.columns[0].values() | join(',') }}|"
                       "{{ t.columns['n'].values() | sum }}|{{ t.rows[1]['status'] }}|{{ t.rows[0][1] }}|"
                       "{{ t | length }}|{{ t.rows | length }}|{% for row in t %}{{ row[0] }};{% endfor %}|"
                       "{{ t.column_types[1] }}|{{ t[1].keys() | join(',') }}|{{ t.rows[0].dict()['n'] }}"),
            "placed,shipped|12|shipped|3|2|2|placed;shipped;|BIGINT|status,n,share,day,ok|3");
}

TEST_F(ContextExtrasTest, WithoutADatabaseStatementsAreAnError) {
  load(nullptr);
  EXPECT_THROW(inline_sql("{{ run_query('select 1') }}"), UserError);
  EXPECT_THROW(inline_sql("{% call statement('x') %}select 1{% endcall %}"), UserError);
}

TEST_F(ContextExtrasTest, ModulesDatetime) {
  load(nullptr);
  EXPECT_EQ(
      inline_sql("{% set dt = modules.datetime %}"
                 "{{ dt.datetime.strptime('2024-03-05 10:11:12.5', '%Y-%m-%d %H:%M:%S.%f') }}|"
                 "{{ dt.datetime(2024, 2, 29, 23).strftime('%Y%m%d %H') }}|"
                 "{{ dt.datetime(2024, 2, 29).replace(day=1).isoformat() }}|"
                 "{{ dt.date(2024, 1, 31).isoformat() }}|{{ dt.date.fromisoformat('2024-07-04').weekday() }}|"
                 "{{ dt.datetime.fromisoformat('2026-11-21T09:00:00Z').hour }}|"
                 "{{ dt.timedelta(days=1, hours=2, minutes=3) }}|{{ dt.timedelta(hours=36).days }}|"
                 "{{ dt.timedelta(minutes=90).total_seconds() }}|{{ run_started_at.date() }}|"
                 "{{ run_started_at.strftime('%Y-%m-%dT%H:%M:%S.%f') }}|"
                 "{{ dt.datetime.fromtimestamp(0) }}|{{ dt.datetime.now().year >= 2024 }}|"
                 "{{ modules.pytz.timezone('UTC').zone }}"),
      "2024-03-05 10:11:12.500000|20240229 23|2024-02-01T00:00:00|2024-01-31|3|9|1 day, 2:03:00|1|"
      "5400.0|2026-11-21|2026-11-21T09:00:00.000000|1970-01-01 00:00:00|True|UTC");
  EXPECT_THROW(inline_sql("{{ modules.datetime.datetime.strptime('2024-13-01', '%Y-%m-%d') }}"), UserError);
  EXPECT_THROW(inline_sql("{{ modules.datetime.date(2023, 2, 29) }}"), UserError);
  // IANA zones of the system's tz database, with pytz's localize / astimezone / normalize.
  EXPECT_EQ(
      inline_sql("{% set paris = modules.pytz.timezone('Europe/Paris') %}"
                 "{% set la = modules.pytz.timezone('America/Los_Angeles') %}"
                 "{{ paris.localize(modules.datetime.datetime(2024, 7, 1, 12)).isoformat() }}|"
                 "{{ la.localize(modules.datetime.datetime(2024, 1, 15, 8)).strftime('%H:%M %Z %z') }}|"
                 "{{ run_started_at.astimezone(la) }}|{{ run_started_at.tzinfo }}|"
                 "{{ la.normalize(la.localize(modules.datetime.datetime(2024, 3, 10, 1, 30)) + "
                 "modules.datetime.timedelta(hours=1)) }}"),
      "2024-07-01T12:00:00+02:00|08:00 PST -0800|2026-11-21 01:00:00-08:00|UTC|2024-03-10 03:30:00-07:00");
  EXPECT_THROW(inline_sql("{{ modules.pytz.timezone('Mars/Olympus') }}"), UserError);
  EXPECT_THROW(inline_sql("{{ run_started_at < modules.datetime.datetime(2030, 1, 1) }}"), UserError);
}

TEST_F(ContextExtrasTest, ModulesRe) {
  load(nullptr);
  EXPECT_EQ(
      inline_sql("{% set re = modules.re %}"
                 "{{ re.match('(?P<schema>\\\\w+)\\\\.(?P<table>\\\\w+)', 'raw.orders x').group('table') }}|"
                 "{{ re.match('x', 'ax') is none }}|{{ re.search('x', 'ax').start() }}|"
                 "{{ re.fullmatch('a+', 'aaa') is not none }}|{{ re.fullmatch('a+', 'aab') is none }}|"
                 "{{ re.sub('(\\\\w+)@(\\\\w+)', '\\\\2 at \\\\g<1>', 'me@host you@there') }}|"
                 "{{ re.sub('a', 'b', 'aaa', count=2) }}|{{ re.findall('\\\\d+', 'a1b22c333') }}|"
                 "{{ re.findall('(\\\\w)=(\\\\d)', 'a=1,b=2') }}|{{ re.split('[,;]\\\\s*', 'a, b;c') }}|"
                 "{{ re.compile('^stg_', re.I).match('STG_orders') is not none }}|"
                 "{{ re.search('(?i)ORDERS', 'stg_orders').group(0) }}|"
                 "{{ re.match('(a)(b)?', 'a').groups() }}|{{ re.match('(?P<k>a)', 'a').groupdict() }}|"
                 "{{ re.escape('a.b*c') }}|{{ re.search('^b', 'a\\nb', re.M).span() }}|"
                 "{{ re.search('a.b', 'a\\nb', re.S) is not none }}"),
      "orders|True|1|True|True|host at me there at you|bba|['1', '22', '333']|[('a', '1'), ('b', '2')]|"
      "['a', 'b', 'c']|True|orders|('a', None)|{'k': 'a'}|a\\.b\\*c|(2, 3)|True");
  EXPECT_THROW(inline_sql("{{ modules.re.search('(', 'x') }}"), UserError);
}

TEST_F(ContextExtrasTest, YamlAndWarnings) {
  load(nullptr);
  EXPECT_EQ(inline_sql("{{ toyaml({'a': [1, 'x'], 'b': {'c': true}}) }}"),
            "a:\n  - 1\n  - x\nb:\n  c: true\n");
  EXPECT_EQ(inline_sql("{{ fromyaml('a: [1, two]\\nb: {c: 3}').b.c }}|{{ fromyaml('[1') is none }}"),
            "3|True");
  EXPECT_EQ(inline_sql("{{ exceptions.warn('careful') }}done"), "done");
  EXPECT_THROW(inline_sql("{{ exceptions.raise_compiler_error('stop here') }}"), UserError);
}

}  // namespace pond::compile

namespace pond::compile {

// dbt's quote policy: all quoted by default; the project's `quoting:` and a node's `quoting`
// config turn parts off; relation.quote() and adapter.quote_as_configured follow it.
TEST(QuotingTest, ProjectAndNodeQuotingShapeRelationNames) {
  test::TempDir dir;
  test::write_file(dir / "dbt_project.yml", "name: shop\nquoting:\n  identifier: false\n");
  test::write_file(dir / "seeds/raw.csv", "id\n1\n");
  test::write_file(dir / "models/a.sql", "select * from {{ ref('raw') }} -- {{ this }}");
  test::write_file(
      dir / "models/b.sql",
      "{{ config(quoting={'schema': false, 'identifier': true}) }}select * from {{ ref('a') }} -- "
      "{{ this }} {{ this.quote(database=false) }} {{ this.include(database=false) }}");
  test::write_file(dir / "models/src.yml",
                   "version: 2\nsources:\n  - name: raw\n    schema: landing\n    tables: [{name: items}]\n");
  test::write_file(dir / "models/c.sql", "select * from {{ source('raw', 'items') }}");
  project::LoadOptions o;
  o.target.database = "db";
  o.target.schema = "main";
  project::Manifest m = project::load_manifest(project::ProjectFile::load(dir.path()), o);
  Compiler c(m, CompileOptions{});
  c.render_for_parse();
  EXPECT_EQ(m.find("model.shop.a")->relation_name, "\"db\".\"main\".a");
  EXPECT_EQ(m.find("model.shop.b")->relation_name, "\"db\".main.\"b\"");
  EXPECT_EQ(m.find("source.shop.raw.items")->relation_name, "\"db\".\"landing\".items");
  std::vector<std::size_t> all{*m.index_of("model.shop.a"), *m.index_of("model.shop.b"),
                               *m.index_of("model.shop.c")};
  c.compile_nodes(all);
  EXPECT_EQ(m.find("model.shop.a")->compiled_code, "select * from \"db\".\"main\".raw -- \"db\".\"main\".a");
  EXPECT_EQ(m.find("model.shop.b")->compiled_code,
            "select * from \"db\".\"main\".a -- \"db\".main.\"b\" db.main.\"b\" main.\"b\"");
  EXPECT_EQ(m.find("model.shop.c")->compiled_code, "select * from \"db\".\"landing\".items");
  EXPECT_EQ(c.compile_inline("{{ adapter.quote('x') }} {{ adapter.quote_as_configured('x', 'identifier') }} "
                             "{{ adapter.quote_as_configured('x', 'schema') }}"),
            "\"x\" x \"x\"");
}

}  // namespace pond::compile
