#include "project/manifest.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "common/error.hpp"
#include "project/graph.hpp"
#include "project/manifest_json.hpp"
#include "project/project_file.hpp"
#include "project/select.hpp"
#include "project/vars.hpp"
#include "support/temp_dir.hpp"
#include "unit/project/fixture.hpp"

namespace pond::project {

namespace {

UserError expect_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a UserError";
  return UserError("none");
}

}  // namespace

TEST(Loader, BuildsNodesWithConfigPrecedenceAndRelations) {
  test::TempDir d;
  write_project(d);
  Manifest m = load(d);
  const Node* fct = m.find("model.shop.fct");
  ASSERT_NE(fct, nullptr);
  // project tree (table) < YAML config (table) < config() in the file (incremental).
  EXPECT_EQ(fct->materialized(), "incremental");
  EXPECT_EQ(fct->tags, (std::vector<std::string>{"shop", "nightly", "hourly"}));
  EXPECT_EQ(fct->meta["owner"], "me");
  EXPECT_EQ(fct->description, "facts");
  EXPECT_EQ(fct->fqn, (std::vector<std::string>{"shop", "marts", "fct"}));
  EXPECT_EQ(fct->depends_on_nodes,
            (std::vector<std::string>{"model.shop.stg_orders", "model.shop.stg_items"}));
  const Node* stg = m.find("model.shop.stg_orders");
  ASSERT_NE(stg, nullptr);
  EXPECT_EQ(stg->schema, "main_stg");
  EXPECT_EQ(stg->alias, "orders_v");
  EXPECT_EQ(stg->relation_name, "\"db\".\"main_stg\".\"orders_v\"");
  EXPECT_EQ(stg->depends_on_macros, (std::vector<std::string>{"macro.shop.cents"}));
  EXPECT_EQ(stg->checksum.size(), 64u);
  const Node* src = m.find("source.shop.raw.items");
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->schema, "raw");
  EXPECT_EQ(src->fqn, (std::vector<std::string>{"shop", "marts", "raw", "items"}));
  const Node* t = m.find("test.shop.no_negatives");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->config["severity"], "warn");
  int generic = 0;
  for (const auto& n : m.nodes)
    if (n.test_metadata) {
      ++generic;
      EXPECT_EQ(n.config["severity"], "warn") << n.unique_id;
      if (n.column_name == "id" && n.attached_node == "model.shop.fct") {
        EXPECT_EQ(n.tags, (std::vector<std::string>{"key"}));
      }
    }
  EXPECT_EQ(generic, 3);
  EXPECT_EQ(m.find("exposure.shop.dash")->depends_on_nodes, (std::vector<std::string>{"model.shop.fct"}));
  EXPECT_EQ(*lookup_var(m, "shop", "scoped"), 2);
  EXPECT_EQ(*lookup_var(m, "shop", "g"), 1);
  EXPECT_EQ(lookup_var(m, "shop", "nope"), nullptr);
}

TEST(Loader, UnknownRefNamesFileLineAndSuggestion) {
  test::TempDir d;
  write_project(d);
  test::write_file(d / "models/marts/bad.sql", "select 1\nfrom {{ ref('stg_ordrs') }}");
  UserError e = expect_error([&] { load(d); });
  ASSERT_TRUE(e.where());
  EXPECT_EQ(e.where()->file, "models/marts/bad.sql");
  EXPECT_EQ(e.where()->line, 2);
  EXPECT_NE(e.message().find("depends on a node named 'stg_ordrs' which was not found"), std::string::npos);
  EXPECT_EQ(e.hint(), "did you mean 'stg_orders'?");
}

TEST(Loader, UnknownSourceAndDisabledRef) {
  test::TempDir d;
  write_project(d);
  test::write_file(d / "models/x.sql", "select * from {{ source('raw', 'itemz') }}");
  UserError e = expect_error([&] { load(d); });
  EXPECT_EQ(e.hint(), "did you mean 'raw.items'?");
  test::write_file(d / "models/x.sql", "{{ config(enabled=false) }} select 1");
  test::write_file(d / "models/y.sql", "select * from {{ ref('x') }}");
  e = expect_error([&] { load(d); });
  EXPECT_NE(e.message().find("which is disabled"), std::string::npos) << e.what();
}

TEST(Loader, CycleIsReportedWithItsPath) {
  test::TempDir d;
  write_project(d);
  test::write_file(d / "models/a.sql", "select * from {{ ref('b') }}");
  test::write_file(d / "models/b.sql", "select * from {{ ref('c') }}");
  test::write_file(d / "models/c.sql", "select * from {{ ref('a') }}");
  UserError e = expect_error([&] { load(d); });
  EXPECT_NE(e.message().find("found a cycle: model.shop.a -> model.shop.b -> model.shop.c -> model.shop.a"),
            std::string::npos)
      << e.what();
}

TEST(Loader, BadYamlIsAClearErrorAndAPythonModelANode) {
  test::TempDir d;
  write_project(d);
  test::write_file(d / "models/broken.yml", "version: 2\nmodels:\n  - name: a\n   columns: []\n");
  UserError e = expect_error([&] { load(d); });
  EXPECT_EQ(e.where()->file, "models/broken.yml");
  EXPECT_EQ(e.where()->line, 4);
  std::filesystem::remove(d / "models/broken.yml");
  // A Python model is a node: its dbt.ref()/dbt.source() calls are its dependencies.
  test::write_file(d / "models/py_model.py",
                   "def model(dbt, session):\n    orders = dbt.ref('stg_orders')\n"
                   "    other = dbt.ref(\"shop\", \"fct\")\n    return orders\n");
  Manifest m = load(d);
  const Node* py = m.find("model.shop.py_model");
  ASSERT_NE(py, nullptr);
  EXPECT_EQ(py->language, "python");
  std::vector<std::string> deps = py->depends_on_nodes;
  std::sort(deps.begin(), deps.end());
  EXPECT_EQ(deps, (std::vector<std::string>{"model.shop.fct", "model.shop.stg_orders"}));
}

TEST(Graph, OrdersAndWalks) {
  test::TempDir d;
  write_project(d);
  Manifest m = load(d);
  Graph g(m);
  auto order = g.topological_order();
  auto pos = [&](const char* id) {
    return std::find(order.begin(), order.end(), *m.index_of(id)) - order.begin();
  };
  EXPECT_LT(pos("seed.shop.raw_orders"), pos("model.shop.stg_orders"));
  EXPECT_LT(pos("model.shop.stg_orders"), pos("model.shop.fct"));
  EXPECT_LT(pos("model.shop.fct"), pos("exposure.shop.dash"));
  auto up1 = g.ancestors({*m.index_of("model.shop.fct")}, 1);
  EXPECT_EQ(up1.size(), 2u);
  EXPECT_EQ(g.ancestors({*m.index_of("model.shop.fct")}).size(), 4u);  // + seed, source
}

TEST(ManifestJson, HasDbtV12Shape) {
  test::TempDir d;
  write_project(d);
  Manifest m = load(d);
  Graph g(m);
  auto j = manifest_json(m, g, new_artifact_info("0.1.0"));
  EXPECT_EQ(j["metadata"]["dbt_schema_version"], "https://schemas.getdbt.com/dbt/manifest/v12.json");
  EXPECT_EQ(j["metadata"]["adapter_type"], "duckdb");
  EXPECT_EQ(j["metadata"]["invocation_id"].get<std::string>().size(), 36u);
  for (const char* k :
       {"nodes", "sources", "macros", "docs", "exposures", "metrics", "groups", "selectors", "disabled",
        "parent_map", "child_map", "group_map", "saved_queries", "semantic_models", "unit_tests"})
    EXPECT_TRUE(j.contains(k)) << k;
  auto& fct = j["nodes"]["model.shop.fct"];
  EXPECT_EQ(fct["depends_on"]["nodes"].size(), 2u);
  EXPECT_EQ(fct["checksum"]["name"], "sha256");
  EXPECT_EQ(fct["config"]["materialized"], "incremental");
  EXPECT_TRUE(fct["columns"].contains("id"));
  EXPECT_TRUE(j["sources"].contains("source.shop.raw.items"));
  EXPECT_TRUE(j["exposures"].contains("exposure.shop.dash"));
  EXPECT_TRUE(j["macros"].contains("macro.shop.cents"));
  EXPECT_EQ(j["parent_map"]["model.shop.stg_items"],
            nlohmann::ordered_json::array({"source.shop.raw.items"}));
  EXPECT_EQ(j["child_map"]["model.shop.fct"].size(), 4u);  // 2 tests, 1 singular test, exposure
}

}  // namespace pond::project
