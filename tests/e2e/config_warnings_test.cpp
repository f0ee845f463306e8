// dbt_project.yml configs that configure nothing are warned about, as dbt does: a path that
// applies to no resource, and a `+key` one typo away from a config dbt knows.
#include "e2e/pond_runner.hpp"

namespace pond::test {

TEST_F(PondTest, ConfigPathsThatApplyToNothingAndMisspelledConfigsAreWarned) {
  auto root = init_lake_project();
  std::string project = read_file(root / "dbt_project.yml");
  ProcessResult r = run_pond({"parse"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "warn")) << r.err;  // the example configures only what exists

  std::string typo = project;
  const std::string marts = "marts:\n      +materialized";
  typo.replace(typo.find(marts), marts.size(), "marts:\n      +materialised");
  typo.replace(typo.find("staging:"), 8, "stagign:");
  write_file(root / "dbt_project.yml", typo);
  r = run_pond({"parse"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "'+materialised' under models.shop.marts is not a config dbt knows (did you mean "
                       "'+materialized'?)"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "There are 1 unused configuration paths:\n- models.shop.stagign")) << r.err;
}

}  // namespace pond::test

namespace pond::test {

TEST_F(PondTest, AnUnknownGenericTestIsAnErrorAtItsYamlLineWithADidYouMean) {
  auto root = init_lake_project();
  write_file(root / "models" / "lonely.sql", "select 1 as id\n");
  write_file(root / "models" / "lonely.yml",
             "version: 2\nmodels:\n  - name: lonely\n    columns:\n      - name: id\n        data_tests:\n"
             "          - not_null\n          - uniqe\n");
  ProcessResult r = run_pond({"parse"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "models/lonely.yml:8: unknown generic test 'uniqe'")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'unique'?")) << r.err;
}

}  // namespace pond::test

namespace pond::test {

TEST_F(PondTest, SemanticLayerEntriesAreValidatedAsDbtDoes) {
  auto root = init_lake_project();
  // A semantic model without `model:` is dbt's parse error, at the entry (exit 2).
  write_file(root / "models" / "sem.yml",
             "version: 2\nsemantic_models:\n  - name: orders\nmetrics:\n  - name: n\n");
  ProcessResult r = run_pond({"parse"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "models/sem.yml:3:5: semantic model 'orders': 'model:' is required")) << r.err;
  EXPECT_FALSE(contains(r.err, "not supported by pond yet")) << r.err;
  // A metric whose measure no semantic model has: the metric's line and a did-you-mean.
  write_file(root / "models" / "sem.yml", R"yaml(version: 2
semantic_models:
  - name: orders_sm
    model: ref('orders')
    defaults: {agg_time_dimension: day}
    dimensions: [{name: day, type: time, type_params: {time_granularity: day}}]
    measures: [{name: event_count, agg: count, expr: "1"}]
metrics:
  - name: n
    label: N
    type: simple
    type_params: {measure: events_count}
)yaml");
  r = run_pond({"parse"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "models/sem.yml:12")) << r.err;
  EXPECT_TRUE(contains(r.err, "a semantic model having a measure 'events_count' does not exist")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'event_count'?")) << r.err;
}

}  // namespace pond::test
