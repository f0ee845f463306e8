#include <gtest/gtest.h>

#include <functional>

#include "common/error.hpp"
#include "compile/compiler.hpp"
#include "project/graph.hpp"
#include "project/manifest.hpp"
#include "project/project_file.hpp"
#include "support/temp_dir.hpp"

namespace pond::compile {

namespace {

using project::Manifest;

class CompileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(dir_ / "dbt_project.yml", R"(name: shop
vars:
  limit_rows: 10
  shop: {scoped: from_scope}
models:
  shop:
    +materialized: view
)");
    test::write_file(dir_ / "seeds/raw.csv", "id,amount\n1,2\n");
    test::write_file(dir_ / "models/stg.sql",
                     "select id, {{ cents('amount') }} as amount from {{ ref('raw') }}");
    test::write_file(dir_ / "models/eph.sql",
                     "{{ config(materialized='ephemeral') }}select * from {{ ref('stg') }}");
    test::write_file(
        dir_ / "models/fct.sql",
        "{{ config(materialized='incremental', unique_key='id') }}\n"
        "with x as (select * from {{ ref('eph') }})\n"
        "select * from x {% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n"
        "limit {{ var('limit_rows') }} -- {{ var('scoped') }} {{ var('missing', 'dflt') }}");
    test::write_file(dir_ / "models/schema.yml", R"Y(version: 2
models:
  - name: fct
    columns:
      - name: id
        data_tests:
          - not_null
          - accepted_values: {values: [1, 2], quote: false}
          - relationships: {to: ref('stg'), field: id}
          - positive
sources:
  - name: raw
    schema: landing
    tables:
      - name: items
        meta: {external_location: "read_parquet('lake/{name}.parquet')"}
)Y");
    test::write_file(dir_ / "models/items.sql", "select * from {{ source('raw', 'items') }}");
    test::write_file(
        dir_ / "macros/m.sql",
        "{% macro cents(col) -%}({{ col }} / 100){%- endmacro %}\n"
        "{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} < 0"
        "{% endtest %}\n"
        "{% macro default__greet(x) %}hello {{ x }}{% endmacro %}\n"
        "{% macro duckdb__shout(x) %}{{ x | upper }}{% endmacro %}\n"
        "{% macro default__shout(x) %}{{ x }}{% endmacro %}\n"
        "{% macro pick() %}{{ return([1, 2, 3]) }}{% endmacro %}");
  }

  void load() {
    project::LoadOptions o;
    o.target.database = "db";
    o.target.schema = "main";
    o.target.name = "dev";
    manifest_ = project::load_manifest(project::ProjectFile::load(dir_.path()), o);
    CompileOptions co;
    co.invocation_id = "11111111-2222-4333-8444-555555555555";
    co.run_started_at = "2026-11-21T09:00:00.000000Z";
    compiler_ = std::make_unique<Compiler>(manifest_, co);
    compiler_->render_for_parse();
  }

  const project::Node& compile(const std::string& id) {
    auto i = manifest_.index_of(id);
    EXPECT_TRUE(i.has_value()) << id;
    compiler_->compile_nodes({*i});
    return manifest_.nodes[*i];
  }

  test::TempDir dir_;
  Manifest manifest_;
  std::unique_ptr<Compiler> compiler_;
};

}  // namespace

TEST_F(CompileTest, RefsVarsMacrosAndEphemeralCtes) {
  load();
  EXPECT_EQ(compile("model.shop.stg").compiled_code,
            "select id, (amount / 100) as amount from \"db\".\"main\".\"raw\"");
  const auto& fct = compile("model.shop.fct");
  EXPECT_EQ(fct.compiled_code,
            "\nwith __dbt__cte__eph as (\nselect * from \"db\".\"main\".\"stg\"\n),\n"
            "x as (select * from __dbt__cte__eph)\nselect * from x \nlimit 10 -- from_scope dflt");
  EXPECT_EQ(compile("model.shop.items").compiled_code, "select * from read_parquet('lake/items.parquet')");
}

TEST_F(CompileTest, GenericTestsRenderWithTheirArguments) {
  load();
  std::string not_null, accepted, rel, custom;
  for (auto& n : manifest_.nodes) {
    if (!n.test_metadata) continue;
    const auto& c = compile(n.unique_id).compiled_code;
    if (n.test_metadata->name == "not_null") not_null = c;
    if (n.test_metadata->name == "accepted_values") accepted = c;
    if (n.test_metadata->name == "relationships") rel = c;
    if (n.test_metadata->name == "positive") custom = c;
  }
  EXPECT_NE(not_null.find("from \"db\".\"main\".\"fct\"\nwhere id is null"), std::string::npos) << not_null;
  EXPECT_NE(accepted.find("1, 2\n)"), std::string::npos) << accepted;
  EXPECT_NE(rel.find("from \"db\".\"main\".\"stg\""), std::string::npos) << rel;
  EXPECT_EQ(custom, "select * from \"db\".\"main\".\"fct\" where id < 0");
}

TEST_F(CompileTest, ContextBuiltins) {
  load();
  setenv("POND_COMPILE_TEST", "envvalue", 1);
  std::string out = compiler_->compile_inline(
      "{{ env_var('POND_COMPILE_TEST') }}|{{ env_var('POND_COMPILE_NOPE', 'd') }}|{{ target.name }}.{{ "
      "target.schema }}"
      "|{{ adapter.quote('a\"b') }}|{{ adapter.dispatch('shout')('x') }}|{{ adapter.dispatch('greet')('y') }}"
      "|{{ pick() | sum }}|{{ tojson({'a': [1]}) }}|{{ fromjson('{\"k\": 2}').k }}|{{ fromyaml('a: [1, "
      "2]').a[1] }}"
      "|{{ run_started_at.strftime('%Y') }}|{{ invocation_id[:8] }}|{{ modules.re.search('o+', "
      "'foo').group(0) }}"
      "|{{ zip([1, 2], ['a', 'b']) | list }}|{{ config.get('missing', 'fallback') }}|{{ flags.WHICH }}");
  EXPECT_EQ(out,
            "envvalue|d|dev.main|\"a\"b\"|X|hello y|6|{\"a\": [1]}|2|2|2026|11111111|oo|[(1, 'a'), (2, 'b')]|"
            "fallback|compile");
}

TEST_F(CompileTest, ErrorsNameTheProblem) {
  load();
  auto error_of = [&](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const UserError& e) {
      return e.what();
    }
    return "no error";
  };
  unsetenv("POND_COMPILE_UNSET");
  EXPECT_NE(error_of([&] {
              compiler_->compile_inline("{{ env_var('POND_COMPILE_UNSET') }}");
            }).find("Env var required but not provided: 'POND_COMPILE_UNSET'"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { compiler_->compile_inline("{{ var('nope') }}"); }).find("Required var 'nope' not found"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              compiler_->compile_inline("\n{{ exceptions.raise_compiler_error('boom') }}");
            }).find("--inline:2"),
            std::string::npos);
}

TEST_F(CompileTest, DynamicRefsAreFoundByRenderingAndNamingMacrosOverride) {
  test::write_file(
      dir_ / "models/dyn.sql",
      "{% set parents = ['stg', 'raw'] %}{% for p in parents %}select * from {{ ref(p) }}{% endfor %}");
  test::write_file(dir_ / "macros/naming.sql",
                   "{% macro generate_schema_name(custom_schema_name, node) -%}"
                   "{{ custom_schema_name or 'analytics' }}{%- endmacro %}");
  load();
  const auto* dyn = manifest_.find("model.shop.dyn");
  ASSERT_NE(dyn, nullptr);
  EXPECT_EQ(dyn->depends_on_nodes, (std::vector<std::string>{"model.shop.stg", "seed.shop.raw"}));
  EXPECT_EQ(manifest_.find("model.shop.stg")->schema, "analytics");
  EXPECT_EQ(compile("model.shop.dyn").compiled_code,
            "select * from \"db\".\"analytics\".\"stg\"select * from \"db\".\"analytics\".\"raw\"");
}

TEST_F(CompileTest, GraphIsVisibleToMacros) {
  test::write_file(
      dir_ / "macros/g.sql",
      "{% macro count_seeds() %}{{ return(graph.nodes.values() | selectattr('resource_type', 'equalto', "
      "'seed') | list | length) }}{% endmacro %}");
  load();
  EXPECT_EQ(
      compiler_->compile_inline("{{ count_seeds() }}|{{ graph.nodes['model.shop.stg'].config.materialized }}|"
                                "{{ graph.sources['source.shop.raw.items'].identifier }}"),
      "1|view|items");
}

TEST_F(CompileTest, IsIncrementalAsksTheExecutor) {
  struct Existing : ExecutionHooks {
    bool is_incremental(const project::Node&) override { return true; }
  } hooks;
  load();
  CompileOptions co;
  co.hooks = &hooks;
  Compiler with_hooks(manifest_, co);
  auto i = *manifest_.index_of("model.shop.fct");
  with_hooks.compile_nodes({i});
  EXPECT_NE(manifest_.nodes[i].compiled_code.find("where id > (select max(id) from \"db\".\"main\".\"fct\")"),
            std::string::npos)
      << manifest_.nodes[i].compiled_code;
}

}  // namespace pond::compile
