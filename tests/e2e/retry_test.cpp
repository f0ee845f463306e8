// pond retry (re-runs what failed or was skipped last time) and where a SQL error points.
#include "e2e/mini_project.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {

namespace {

// a <- b <- c, and d beside b; b refers to a column that does not exist (until fixed).
void write_models(const std::filesystem::path& root, bool b_works) {
  write_file(root / "models" / "a.sql", "select id, name, price from {{ ref('raw_items') }}\n");
  write_file(root / "models" / "b.sql",
             std::string("{{ config(materialized='table') }}\n-- doubles the price\nselect\n  id,\n  ") +
                 (b_works ? "price" : "no_such_column") + " * 2 as double_price\nfrom {{ ref('a') }}\n");
  write_file(root / "models" / "c.sql",
             "select count(*) * {{ var('factor', 1) }} as n from {{ ref('b') }}\n");
  write_file(root / "models" / "d.sql", "select sum(price) as total from {{ ref('a') }}\n");
}

class RetryTest : public PondTest {
 protected:
  std::filesystem::path root() { return dir_ / "mini"; }
  void SetUp() override {
    write_mini_project(root());
    write_models(root(), false);
    ProcessResult r = run_pond({"seed"}, root());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
};

}  // namespace

TEST_F(RetryTest, RetryRunsOnlyTheFailedNodeAndItsSkippedDescendants) {
  ProcessResult r = run_pond({"run", "--vars", "{factor: 10}"}, root());
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  auto st = result_statuses(root());
  EXPECT_EQ(st["model.mini.b"], "error");
  EXPECT_EQ(st["model.mini.c"], "skipped");
  EXPECT_EQ(st["model.mini.a"], "success");
  EXPECT_EQ(st["model.mini.d"], "success");

  write_models(root(), true);
  r = run_pond({"retry"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "model main.b")) << r.out;
  EXPECT_TRUE(contains(r.out, "model main.c")) << r.out;
  EXPECT_FALSE(contains(r.out, "model main.a ")) << r.out;
  EXPECT_FALSE(contains(r.out, "model main.d ")) << r.out;
  st = result_statuses(root());
  EXPECT_EQ(st.size(), 2u);
  EXPECT_EQ(st["model.mini.b"], "success");
  EXPECT_EQ(st["model.mini.c"], "success");
  EXPECT_EQ(query_value(root(), "select n from main.c"), "30");  // the retried run's --vars
  EXPECT_EQ(query_value(root(), "select sum(double_price) from main.b"), "9.0");

  // The store records the retry as a run of the same command, pointing at the run it repeats.
  {
    auto store = runstore::RunStore::open(root() / ".pond" / "state.db");
    auto runs = store.recent_runs(2);
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].command, "run");
    EXPECT_EQ(runs[0].trigger, "retry");
    EXPECT_EQ(runs[0].parent_run_id, runs[1].run_id);
    EXPECT_EQ(runs[0].status, "success");
  }

  // Nothing failed in the last run: nothing to retry, nothing run.
  r = run_pond({"retry"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "Nothing to retry")) << r.err;
  EXPECT_FALSE(contains(r.out, "START")) << r.out;
}

TEST_F(RetryTest, RetryKeepsTheCommandAndFailsAgainWhileStillBroken) {
  ProcessResult r = run_pond({"build", "-s", "a+"}, root());
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  r = run_pond({"retry"}, root());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto st = result_statuses(root());
  EXPECT_EQ(st.size(), 2u);
  EXPECT_EQ(st["model.mini.b"], "error");
  EXPECT_EQ(st["model.mini.c"], "skipped");
  auto store = runstore::RunStore::open(root() / ".pond" / "state.db");
  EXPECT_EQ(store.recent_runs(1).at(0).command, "build");
}

TEST_F(RetryTest, WithoutTheRunStoreRetryReadsRunResults) {
  ASSERT_EQ(run_pond({"run"}, root()).exit_code, 1);
  std::filesystem::remove_all(root() / ".pond");
  write_models(root(), true);
  ProcessResult r = run_pond({"retry"}, root());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto st = result_statuses(root());
  EXPECT_EQ(st.size(), 2u);
  EXPECT_EQ(st["model.mini.b"], "success");
  EXPECT_EQ(st["model.mini.c"], "success");
}

TEST_F(RetryTest, NoPreviousRun) {
  ProcessResult r = run_pond({"retry"}, dir_ / "mini");
  // `pond seed` ran in SetUp: a successful run, nothing to retry.
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "Nothing to retry")) << r.err;
  std::filesystem::remove_all(root() / ".pond");
  std::filesystem::remove_all(root() / "target");
  r = run_pond({"retry"}, root());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "no previous run to retry")) << r.err;
}

TEST_F(RetryTest, SqlErrorNamesTheModelTheRunFileAndTheLine) {
  ProcessResult r = run_pond({"run", "-s", "+b"}, root());
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Database Error in model b (models/b.sql)")) << r.out;
  const std::string marker = "compiled code at target/run/mini/models/b.sql:";
  auto at = r.out.find(marker);
  ASSERT_NE(at, std::string::npos) << r.out;
  int line = 0, column = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str() + at + marker.size(), "%d:%d", &line, &column), 2) << r.out;
  // That line of the file holds the bad column, and the column points at it.
  std::string text = read_file(root() / "target" / "run" / "mini" / "models" / "b.sql");
  std::istringstream lines(text);
  std::string l;
  for (int i = 0; i < line && std::getline(lines, l); ++i) {
  }
  EXPECT_TRUE(contains(l, "no_such_column * 2")) << "line " << line << ": " << l << "\n" << text;
  EXPECT_EQ(l.find("no_such_column") + 1, static_cast<std::size_t>(column)) << l;
  // run_results.json carries the same message.
  std::ifstream in(root() / "target" / "run_results.json");
  nlohmann::json j = nlohmann::json::parse(in);
  bool found = false;
  for (const auto& res : j["results"])
    if (res["unique_id"] == "model.mini.b") found = contains(res["message"].get<std::string>(), marker);
  EXPECT_TRUE(found);
}

}  // namespace pond::test
