#include "project/select.hpp"

#include <gtest/gtest.h>

#include <set>

#include "common/error.hpp"
#include "project/graph.hpp"
#include "project/manifest_json.hpp"
#include "project/selector.hpp"
#include "unit/project/fixture.hpp"

namespace pond::project {

TEST(SelectorParse, OperatorsMethodsAndDepths) {
  SelectionCriterion c = parse_criterion("2+tag:nightly+3");
  EXPECT_EQ(c.method, "tag");
  EXPECT_EQ(c.value, "nightly");
  EXPECT_TRUE(c.parents);
  EXPECT_EQ(c.parents_depth, 2);
  EXPECT_TRUE(c.children);
  EXPECT_EQ(c.children_depth, 3);
  c = parse_criterion("@stg_orders");
  EXPECT_TRUE(c.childrens_parents);
  EXPECT_EQ(c.method, "fqn");
  c = parse_criterion("+models/staging");
  EXPECT_EQ(c.method, "path");
  EXPECT_EQ(parse_criterion("orders.sql").method, "file");
  EXPECT_EQ(parse_criterion("config.materialized:table").method, "config.materialized");
  EXPECT_EQ(parse_criterion("state:modified+").value, "modified");
  try {
    parse_criterion("tg:nightly");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(e.hint(), "did you mean 'tag:'?");
  }
  EXPECT_THROW(parse_criterion("@+a"), UserError);
  SelectionSpec s = parse_selection({"a b,tag:x", "c"});
  ASSERT_EQ(s.children.size(), 3u);
  EXPECT_EQ(s.children[1].kind, SelectionSpec::Kind::kIntersection);
}

class SelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_project(dir_);
    manifest_ = load(dir_);
    graph_ = std::make_unique<Graph>(manifest_);
  }

  std::set<std::string> pick(std::vector<std::string> select, std::vector<std::string> exclude = {},
                             std::vector<std::string> types = {}, std::string indirect = "empty",
                             const PreviousState* state = nullptr) {
    auto selectors = load_selectors(dir_.path());
    SelectionContext ctx{manifest_, *graph_, &selectors, state};
    SelectionRequest req{std::move(select), std::move(exclude), std::nullopt, std::move(types), indirect};
    std::set<std::string> out;
    for (std::size_t i : select_nodes(ctx, req)) out.insert(manifest_.nodes[i].name);
    return out;
  }

  test::TempDir dir_;
  Manifest manifest_;
  std::unique_ptr<Graph> graph_;
};

using Names = std::set<std::string>;

TEST_F(SelectTest, NamesGraphOperatorsAndSetOperations) {
  EXPECT_EQ(pick({"fct"}), Names{"fct"});
  EXPECT_EQ(pick({"+fct"}), (Names{"fct", "stg_orders", "stg_items", "raw_orders", "items"}));
  EXPECT_EQ(pick({"1+fct"}), (Names{"fct", "stg_orders", "stg_items"}));
  EXPECT_EQ(pick({"stg_orders+"}, {}, {"model", "exposure"}), (Names{"stg_orders", "fct", "dash"}));
  EXPECT_EQ(pick({"stg_orders+1"}, {}, {"model"}), (Names{"stg_orders", "fct"}));
  // @: the node, its descendants and all their ancestors.
  EXPECT_EQ(pick({"@stg_orders"}, {}, {"model", "seed", "source"}),
            (Names{"stg_orders", "fct", "stg_items", "raw_orders", "items"}));
  EXPECT_EQ(pick({"stg_orders stg_items"}), (Names{"stg_orders", "stg_items"}));
  EXPECT_EQ(pick({"tag:shop,config.materialized:view"}), (Names{"stg_orders", "stg_items"}));
  EXPECT_EQ(pick({"+fct"}, {"tag:shop"}), (Names{"raw_orders", "items"}));
  EXPECT_EQ(pick({"stg_*"}), (Names{"stg_orders", "stg_items"}));
  EXPECT_EQ(pick({"shop.staging.*"}), (Names{"stg_orders", "stg_items"}));
  EXPECT_EQ(pick({"staging"}), (Names{"stg_orders", "stg_items"}));
}

TEST_F(SelectTest, Methods) {
  EXPECT_EQ(pick({"path:models/staging"}), (Names{"stg_orders", "stg_items"}));
  EXPECT_EQ(pick({"models/staging/stg_items.sql"}), (Names{"stg_items"}));
  EXPECT_EQ(pick({"file:fct.sql"}), (Names{"fct"}));
  EXPECT_EQ(pick({"resource_type:seed"}), (Names{"raw_orders"}));
  EXPECT_EQ(pick({"source:raw"}), (Names{"items"}));
  EXPECT_EQ(pick({"source:raw.items+"}, {}, {"model"}), (Names{"stg_items", "fct"}));
  EXPECT_EQ(pick({"exposure:dash"}), (Names{"dash"}));
  EXPECT_EQ(pick({"test_type:singular"}), (Names{"no_negatives"}));
  EXPECT_EQ(pick({"test_type:generic"}).size(), 3u);
  EXPECT_EQ(pick({"test_name:not_null"}), (Names{"not_null_fct_id", "source_not_null_raw_items_id"}));
  EXPECT_EQ(pick({"test_name:not_*"}), (Names{"not_null_fct_id", "source_not_null_raw_items_id"}));
  EXPECT_TRUE(pick({"test_name:no_negatives"}).empty());  // a singular test has no generic name
  EXPECT_EQ(pick({"package:shop"}, {}, {"seed"}), (Names{"raw_orders"}));
  EXPECT_EQ(pick({"config.meta.owner:me"}), (Names{"fct"}));
  EXPECT_EQ(pick({"tag:key"}), (Names{"not_null_fct_id", "unique_fct_id"}));
  EXPECT_THROW(pick({"state:modified"}), UserError);
  EXPECT_THROW(pick({"fct"}, {}, {"modle"}), UserError);
}

TEST_F(SelectTest, IndirectSelectionOfTests) {
  EXPECT_EQ(pick({"fct"}, {}, {}, "eager"),
            (Names{"fct", "not_null_fct_id", "unique_fct_id", "no_negatives"}));
  EXPECT_EQ(pick({"fct"}, {"test_name:unique"}, {}, "eager"),
            (Names{"fct", "not_null_fct_id", "no_negatives"}));
  EXPECT_EQ(pick({"fct"}, {}, {}, "empty"), Names{"fct"});
}

// dbt expands --exclude by indirect selection too: excluding a node excludes its tests (eager).
TEST_F(SelectTest, ExcludingANodeExcludesItsTests) {
  EXPECT_EQ(pick({}, {"fct"}, {"test"}, "eager"), Names{"source_not_null_raw_items_id"});
  EXPECT_EQ(pick({}, {"source:raw"}, {"test"}, "eager"),
            (Names{"not_null_fct_id", "unique_fct_id", "no_negatives"}));
  EXPECT_EQ(pick({"+fct"}, {"stg_items"}, {}, "eager"),
            (Names{"fct", "stg_orders", "raw_orders", "items", "not_null_fct_id", "unique_fct_id", "no_negatives",
                   "source_not_null_raw_items_id"}));
  // empty: only what the exclude names is removed.
  EXPECT_EQ(pick({}, {"fct"}, {"test"}, "empty").size(), 4u);
}

TEST_F(SelectTest, SelectorsFile) {
  test::write_file(dir_ / "selectors.yml", R"(selectors:
  - name: marts
    definition:
      method: path
      value: models/marts
      parents: true
  - name: staging_but_items
    definition:
      union:
        - tag: shop
        - exclude:
            - method: fqn
              value: stg_items
  - name: nested
    definition: "selector:marts,resource_type:seed"
)");
  auto selectors = load_selectors(dir_.path());
  SelectionContext ctx{manifest_, *graph_, &selectors, nullptr};
  auto names = [&](const std::string& sel) {
    Names out;
    SelectionRequest req;
    req.selector = sel;
    req.indirect_selection = "empty";
    req.resource_types = {"model", "seed", "source"};
    for (std::size_t i : select_nodes(ctx, req)) out.insert(manifest_.nodes[i].name);
    return out;
  };
  EXPECT_EQ(names("marts"), (Names{"fct", "stg_orders", "stg_items", "raw_orders", "items"}));
  EXPECT_EQ(names("staging_but_items"), (Names{"fct", "stg_orders"}));
  EXPECT_EQ(names("nested"), Names{"raw_orders"});
  try {
    names("mart");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(e.hint(), "did you mean 'marts'?");
  }
}

TEST_F(SelectTest, StateModifiedAndNewAgainstAPreviousManifest) {
  test::TempDir state_dir;
  write_manifest(manifest_, *graph_, new_artifact_info("0"), state_dir.path());
  test::write_file(state_dir / "run_results.json",
                   R"({"results": [{"unique_id": "model.shop.fct", "status": "error"},
                                   {"unique_id": "model.shop.stg_items", "status": "success"}]})");
  // Change one model's body, one model's config, add a model.
  test::write_file(dir_ / "models/staging/stg_items.sql",
                   "select *, 1 as x from {{ source('raw', 'items') }}");
  test::write_file(dir_ / "models/marts/fct.sql",
                   "{{ config(materialized='table', tags='hourly') }}\n"
                   "select * from {{ ref('stg_orders') }} join {{ ref('stg_items') }} using (id)");
  test::write_file(dir_ / "models/marts/new_one.sql", "select 1 as id");
  manifest_ = load(dir_);
  graph_ = std::make_unique<Graph>(manifest_);
  PreviousState state = PreviousState::load(state_dir.path());
  EXPECT_EQ(pick({"state:new"}, {}, {}, "empty", &state), Names{"new_one"});
  EXPECT_EQ(pick({"state:modified"}, {}, {"model"}, "empty", &state), (Names{"stg_items", "fct", "new_one"}));
  // fct's file changed too (its config() call), so its body counts as modified, as in dbt.
  EXPECT_EQ(pick({"state:modified.body"}, {}, {"model"}, "empty", &state),
            (Names{"stg_items", "fct", "new_one"}));
  EXPECT_EQ(pick({"state:modified.configs"}, {}, {"model"}, "empty", &state), (Names{"fct", "new_one"}));
  EXPECT_EQ(pick({"result:error+"}, {}, {"model", "exposure"}, "empty", &state), (Names{"fct", "dash"}));
}

}  // namespace pond::project
