// pond show -s MODEL: the model compiled with its refs resolved, run, previewed.
#include <map>
#include <sstream>

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
  // JSON as dbt show prints a node: {"node": name, "show": rows}.
  r = run_pond({"show", "-s", "items", "--limit", "1", "-o", "json"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["node"], "items");
  ASSERT_EQ(j["show"].size(), 1u);
  EXPECT_EQ(j["show"][0]["name"], "APPLE");
  EXPECT_EQ(j["show"][0]["price"], 1.5);
  EXPECT_EQ(j["show"][0]["id"], 1);
}

TEST_F(ShowSelectTest, InlineSqlIsRenderedLikeDbtShowInline) {
  // ref(), var() and ephemeral CTEs in --inline, as dbt show --inline renders them.
  ProcessResult r =
      run_pond({"show", "-o", "csv", "--vars", "{label: x}", "--inline",
                "select count(*) as n, '{{ var(\"label\") }}' as l from {{ ref('cheap_items') }}"},
               root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "n,l\n2,x\n");
  // A Jinja error names the inline SQL's line and column and runs nothing.
  r = run_pond({"show", "--inline", "select {{ ref('nope') }}"}, root());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;  // a compile error, as in pond compile --inline
  EXPECT_TRUE(contains(r.err, "--inline:1:11")) << r.err;
  EXPECT_TRUE(contains(r.err, "ref('nope') was not found")) << r.err;
  EXPECT_FALSE(contains(r.out, "Previewing")) << r.out;
}

namespace {

// The JSON values printed one after another (dbt show prints one object per node).
std::vector<nlohmann::json> json_values(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  while ((in >> std::ws).peek() != EOF) {
    nlohmann::json j;
    in >> j;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

TEST_F(ShowSelectTest, SeveralNodesArePreviewedEach) {
  ProcessResult r = run_pond({"show", "-s", "items", "item_summary", "--limit", "1"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Previewing node 'items':")) << r.out;
  EXPECT_TRUE(contains(r.out, "| APPLE |")) << r.out;
  EXPECT_TRUE(contains(r.out, "Previewing node 'item_summary':")) << r.out;
  EXPECT_TRUE(contains(r.out, "| 2 | all   |")) << r.out;

  // Graph selectors work too: items and everything downstream that can be previewed (the
  // ephemeral model included: its SQL runs as a query).
  r = run_pond({"show", "-s", "items+", "--limit", "2", "-o", "json"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<nlohmann::json> nodes = json_values(r.out);
  ASSERT_EQ(nodes.size(), 3u) << r.out;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& n : nodes) by_name[n["node"].get<std::string>()] = n["show"];
  ASSERT_EQ(by_name.count("items"), 1u) << r.out;
  ASSERT_EQ(by_name["items"].size(), 2u);
  EXPECT_EQ(by_name["items"][1]["name"], "PEAR");
  ASSERT_EQ(by_name.count("cheap_items"), 1u) << r.out;
  ASSERT_EQ(by_name["item_summary"].size(), 1u);
  EXPECT_EQ(by_name["item_summary"][0]["n"], 2);
  EXPECT_EQ(by_name["item_summary"][0]["label"], "all");
}

TEST_F(ShowSelectTest, AFailingNodeDoesNotHideTheOthers) {
  write_file(root() / "models" / "broken.sql", "select no_such_column from {{ ref('raw_items') }}\n");
  ProcessResult r = run_pond({"show", "-s", "broken", "items", "-o", "json", "--limit", "1"}, root());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "Database Error in model broken (models/broken.sql)")) << r.err;
  std::vector<nlohmann::json> nodes = json_values(r.out);
  ASSERT_EQ(nodes.size(), 1u) << r.out;
  EXPECT_EQ(nodes[0]["node"], "items");
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
