// pond show -s MODEL: the model compiled with its refs resolved, run, previewed.
#include "e2e/mini_project.hpp"

namespace pond::test {

namespace {

class ShowSelectTest : public PondTest {
 protected:
  std::filesystem::path root() { return dir_ / "mini"; }
  void SetUp() override {
    write_mini_project(root());
    write_file(root() / "models" / "items.sql",
               "select id, upper(name) as name, price from {{ ref('raw_items') }}\n");
    write_file(root() / "models" / "cheap_items.sql",
               "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('items') }} where price < 2\n");
    write_file(root() / "models" / "item_summary.sql",
               "select count(*) as n, '{{ var('label', 'all') }}' as label from {{ ref('cheap_items') }}\n");
    ProcessResult r = run_pond({"build"}, root());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
};

}  // namespace

TEST_F(ShowSelectTest, PreviewsAModelAsATable) {
  ProcessResult r = run_pond({"show", "-s", "items", "--limit", "2"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Previewing node 'items':")) << r.out;
  EXPECT_TRUE(contains(r.out, "| APPLE |")) << r.out;
  EXPECT_TRUE(contains(r.out, "| PEAR  |")) << r.out;
  EXPECT_FALSE(contains(r.out, "PLUM")) << r.out;
  EXPECT_TRUE(contains(r.out, "showing the first 2 rows")) << r.out;
}

TEST_F(ShowSelectTest, CsvAndJsonLikeInline) {
  // The ephemeral model is inlined as a CTE; --vars reach the compiled SQL.
  ProcessResult r =
      run_pond({"show", "--select", "item_summary", "-o", "csv", "--vars", "{label: cheap}"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "n,label\n2,cheap\n");
  r = run_pond({"show", "-s", "items", "--limit", "1", "-o", "json"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "APPLE");
  EXPECT_EQ(j[0]["price"], 1.5);
}

TEST_F(ShowSelectTest, ShowsTheModelSqlNotTheBuiltRelation) {
  // The model changed since the build: show runs the new SQL.
  write_file(root() / "models" / "items.sql", "select id, name || '!' as name from {{ ref('raw_items') }}\n");
  ProcessResult r = run_pond({"show", "-s", "items", "--limit", "1", "-o", "csv"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "id,name\n1,apple!\n");
}

TEST_F(ShowSelectTest, UnknownModelSuggestsTheClosestName) {
  ProcessResult r = run_pond({"show", "-s", "item_sumary"}, root());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "matches no model")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'item_summary'?")) << r.err;
  r = run_pond({"show", "-s", "items", "--inline", "select 1"}, root());
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace pond::test
