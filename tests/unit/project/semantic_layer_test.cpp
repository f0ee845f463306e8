// Unit tests and the semantic layer as graph members: parsed from schema YAML, resolved,
// validated with dbt's errors, selected with dbt's methods, written to manifest.json.
#include <gtest/gtest.h>

#include <functional>

#include "common/error.hpp"
#include "project/graph.hpp"
#include "project/manifest.hpp"
#include "project/manifest_json.hpp"
#include "project/project_file.hpp"
#include "project/select.hpp"
#include "support/temp_dir.hpp"

namespace pond::project {

namespace {

Manifest load_dir(const test::TempDir& d) {
  LoadOptions o;
  o.target.database = "db";
  o.target.schema = "main";
  return load_manifest(ProjectFile::load(d.path()), o);
}

void write_base(const test::TempDir& d) {
  test::write_file(d / "dbt_project.yml", "name: sl\nprofile: sl\n");
  test::write_file(d / "models/orders.sql", "select 1 as id, 2.0 as amount, date '2024-01-01' as ordered_at");
  test::write_file(d / "models/marts/report.sql", "select * from {{ ref('orders') }}");
}

const char* kSemantic = R"yaml(semantic_models:
  - name: orders_sm
    model: ref('orders')
    defaults: {agg_time_dimension: ordered_at}
    entities: [{name: id, type: primary}]
    dimensions: [{name: ordered_at, type: time, type_params: {time_granularity: day}}]
    measures:
      - {name: revenue, agg: sum, expr: amount}
      - {name: order_count, agg: count, expr: id}
metrics:
  - name: revenue
    label: Revenue
    type: simple
    type_params: {measure: revenue}
  - name: order_count
    label: Orders
    type: simple
    type_params: {measure: order_count}
  - name: revenue_per_order
    label: Revenue per order
    type: derived
    type_params: {expr: revenue / order_count, metrics: [revenue, order_count]}
saved_queries:
  - name: weekly
    query_params: {metrics: [revenue_per_order], group_by: ["TimeDimension('id__ordered_at', 'week')"]}
)yaml";

UserError load_error(const test::TempDir& d) {
  try {
    load_dir(d);
  } catch (const UserError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a UserError";
  return UserError("none");
}

std::vector<std::string> names(const Manifest& m, const std::vector<std::size_t>& picked) {
  std::vector<std::string> out;
  for (std::size_t i : picked) out.push_back(m.nodes[i].unique_id);
  return out;
}

}  // namespace

TEST(SemanticLayer, ResolvesMeasuresMetricsAndSavedQueries) {
  test::TempDir d;
  write_base(d);
  test::write_file(d / "models/sl.yml", kSemantic);
  Manifest m = load_dir(d);
  const Node* sm = m.find("semantic_model.sl.orders_sm");
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ(sm->depends_on_nodes, std::vector<std::string>{"model.sl.orders"});
  EXPECT_EQ(sm->definition["node_relation"]["relation_name"], "\"db\".\"main\".\"orders\"");
  const Node* derived = m.find("metric.sl.revenue_per_order");
  ASSERT_NE(derived, nullptr);
  EXPECT_EQ(derived->depends_on_nodes,
            (std::vector<std::string>{"metric.sl.revenue", "metric.sl.order_count"}));
  EXPECT_EQ(derived->definition["type_params"]["input_measures"].size(), 2u);
  EXPECT_EQ(m.find("saved_query.sl.weekly")->depends_on_nodes,
            std::vector<std::string>{"metric.sl.revenue_per_order"});

  // Graph selection runs through the semantic layer: the model's descendants reach the saved query.
  Graph g(m);
  SelectionContext ctx{m, g};
  SelectionRequest down;
  down.select = {"orders+"};
  down.resource_types = {"saved_query", "semantic_model"};
  EXPECT_EQ(names(m, select_nodes(ctx, down)),
            (std::vector<std::string>{"saved_query.sl.weekly", "semantic_model.sl.orders_sm"}));
  SelectionRequest up;
  up.select = {"+saved_query:weekly"};
  up.exclude_resource_types = {"metric"};
  EXPECT_EQ(
      names(m, select_nodes(ctx, up)),
      (std::vector<std::string>{"model.sl.orders", "saved_query.sl.weekly", "semantic_model.sl.orders_sm"}));

  nlohmann::json j = manifest_json(m, g, ArtifactInfo{"id", "2026-01-01T00:00:00Z", "test"});
  EXPECT_TRUE(j["metrics"].contains("metric.sl.revenue"));
  EXPECT_FALSE(j["nodes"].contains("metric.sl.revenue"));
  EXPECT_EQ(j["semantic_models"]["semantic_model.sl.orders_sm"]["measures"][0]["name"], "revenue");
  EXPECT_EQ(j["saved_queries"]["saved_query.sl.weekly"]["query_params"]["group_by"][0],
            "TimeDimension('id__ordered_at', 'week')");
  EXPECT_EQ(j["child_map"]["model.sl.orders"],
            (nlohmann::json{"model.sl.report", "semantic_model.sl.orders_sm"}));
}

TEST(SemanticLayer, UnknownMeasureIsAnErrorAtItsLineWithAGuess) {
  test::TempDir d;
  write_base(d);
  std::string yaml = kSemantic;
  yaml.replace(yaml.find("{measure: order_count}"), 22, "{measure: order_cnt}");
  test::write_file(d / "models/sl.yml", yaml);
  UserError e = load_error(d);
  EXPECT_NE(std::string(e.what()).find("a semantic model having a measure 'order_cnt' does not exist"),
            std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("models/sl.yml:18"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("did you mean 'order_count'?"), std::string::npos) << e.what();
}

TEST(SemanticLayer, StructuralErrorsNameTheKey) {
  struct Case {
    std::string from, to, message;
  };
  for (const Case& c : std::vector<Case>{
           {"agg: sum", "agg: total", "'agg: total' is not valid"},
           {"    label: Revenue\n", "", "'label:' is required"},
           {"model: ref('orders')", "model: ref('order')",
            "depends on a node named 'order' which was not found"},
           {"metrics: [revenue, order_count]", "metrics: [revenue, orders]",
            "the metric 'orders' does not exist but was referenced"},
           {"time_granularity: day", "time_granularity: fortnight",
            "'time_granularity: fortnight' is not valid"},
           {"defaults: {agg_time_dimension: ordered_at}", "defaults: {agg_time_dimension: created_at}",
            "'created_at' of measure 'revenue' is not a time dimension"},
       }) {
    test::TempDir d;
    write_base(d);
    std::string yaml = kSemantic;
    ASSERT_NE(yaml.find(c.from), std::string::npos) << c.from;
    yaml.replace(yaml.find(c.from), c.from.size(), c.to);
    test::write_file(d / "models/sl.yml", yaml);
    UserError e = load_error(d);
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("models/sl.yml"), std::string::npos) << e.what();
  }
}

TEST(Groups, ValidatesGroupsAndPrivateAccess) {
  test::TempDir d;
  write_base(d);
  test::write_file(d / "models/groups.yml", R"(groups:
  - name: finance
    owner: {email: f@example.com}
models:
  - name: orders
    access: private
    config: {group: finance}
)");
  // report is not in the group: its ref to the private model is refused, as dbt does.
  UserError e = load_error(d);
  EXPECT_NE(
      std::string(e.what()).find("Node model.sl.report attempted to reference node model.sl.orders, which "
                                 "is not allowed because the referenced node is private to the 'finance' "
                                 "group."),
      std::string::npos)
      << e.what();
  test::write_file(d / "models/marts/report.yml",
                   "models:\n  - name: report\n    config: {group: finance}\n");
  Manifest m = load_dir(d);
  ASSERT_EQ(m.groups.size(), 1u);
  EXPECT_EQ(m.groups[0].unique_id, "group.sl.finance");
  Graph g(m);
  nlohmann::json j = manifest_json(m, g, ArtifactInfo{"id", "2026-01-01T00:00:00Z", "test"});
  EXPECT_EQ(j["group_map"]["finance"], (nlohmann::json{"model.sl.orders", "model.sl.report"}));
  EXPECT_EQ(j["nodes"]["model.sl.orders"]["access"], "private");
  test::write_file(d / "models/marts/report.yml",
                   "models:\n  - name: report\n    config: {group: finanse}\n");
  e = load_error(d);
  EXPECT_NE(std::string(e.what()).find("Invalid group 'finanse'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("did you mean 'finance'?"), std::string::npos) << e.what();
}

TEST(UnitTests, AreGraphMembersSelectedWithTheirModel) {
  test::TempDir d;
  write_base(d);
  test::write_file(d / "models/marts/tests.yml", R"(unit_tests:
  - name: passes_rows
    model: report
    given:
      - input: ref('orders')
        format: csv
        rows: |
          id,amount
          1,
    expect:
      rows: [{id: 1}]
)");
  Manifest m = load_dir(d);
  const Node* ut = m.find("unit_test.sl.report.passes_rows");
  ASSERT_NE(ut, nullptr);
  EXPECT_EQ(ut->fqn, (std::vector<std::string>{"sl", "marts", "report", "passes_rows"}));
  EXPECT_EQ(ut->depends_on_nodes, std::vector<std::string>{"model.sl.report"});
  EXPECT_EQ(ut->definition["given"][0]["rows"], (nlohmann::json::parse(R"([{"id": "1", "amount": null}])")));
  Graph g(m);
  SelectionContext ctx{m, g};
  for (const auto& [select, expected] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"report", {"model.sl.report", "unit_test.sl.report.passes_rows"}},
           {"test_type:unit", {"unit_test.sl.report.passes_rows"}},
           {"test_type:data", {}},
           {"unit_test:sl.passes_*", {"unit_test.sl.report.passes_rows"}},
           {"test_name:passes_rows", {"unit_test.sl.report.passes_rows"}},
           {"resource_type:unit_test", {"unit_test.sl.report.passes_rows"}}}) {
    SelectionRequest r;
    r.select = {select};
    EXPECT_EQ(names(m, select_nodes(ctx, r)), expected) << select;
  }
  SelectionRequest cautious_empty;
  cautious_empty.select = {"report"};
  cautious_empty.indirect_selection = "empty";
  EXPECT_EQ(names(m, select_nodes(ctx, cautious_empty)), std::vector<std::string>{"model.sl.report"});
}

}  // namespace pond::project
