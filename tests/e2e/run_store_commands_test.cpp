// pond runs reexecute (all, --failed), pond partitions add/remove (dynamic keys) and pond state
// prune (retention) on the example project.
#include <nlohmann/json.hpp>
#include <set>

#include "e2e/mini_project.hpp"
#include "e2e/pond_runner.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {

namespace {

runstore::RunStore store_of(const std::filesystem::path& root) {
  return runstore::RunStore::open(root / ".pond" / "state.db");
}

std::string last_run(const std::filesystem::path& root) {
  auto r = store_of(root).last_run({"materialize"});
  return r ? r->run_id : "";
}

std::set<std::string> step_keys(const std::filesystem::path& root, const std::string& run_id) {
  std::set<std::string> out;
  for (const auto& s : store_of(root).steps_of(run_id)) out.insert(s.step_key);
  return out;
}

void edit_pond_yml(const std::filesystem::path& root, const std::string& after, const std::string& text) {
  std::string yml = read_file(root / "pond.yml");
  yml.insert(yml.find(after) + after.size(), text);
  write_file(root / "pond.yml", yml);
}

}  // namespace

TEST_F(PondTest, RunsReexecuteFailedRunsOnlyWhatFailedAtTheSamePartition) {
  auto root = init_lake_project();
  ProcessOptions fail;
  fail.env["WEB_VISITS_FAIL_ON"] = "2026-03-02";
  ProcessResult r = run_pond({"materialize", "--partition", "2026-03-02"}, root, fail);
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string failed = last_run(root);
  r = run_pond({"runs", "reexecute", failed.substr(0, 8), "--failed"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Re-executing run " + failed + " (failed and skipped assets)")) << r.out;
  std::string again = last_run(root);
  ASSERT_NE(again, failed);
  auto run = store_of(root).find_run(again);
  EXPECT_EQ(run->parent_run_id, failed);
  EXPECT_EQ(run->trigger, "reexecute");
  auto steps = step_keys(root, again);
  EXPECT_TRUE(steps.count("command.web_visits"));
  EXPECT_TRUE(steps.count("model.shop.daily_visits"));
  EXPECT_TRUE(steps.count("command.visits_export"));
  EXPECT_FALSE(steps.count("model.shop.customers"));  // it succeeded the first time
  EXPECT_EQ(query_value(root, "select count(*) from main.daily_visits where visit_date = date '2026-03-02'"),
            "1");
  r = run_pond({"runs", "reexecute", again, "--failed"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "nothing to re-execute")) << r.out;
  // Without --failed: every asset of the run again.
  r = run_pond({"runs", "reexecute", again}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(step_keys(root, last_run(root)).count("command.web_visits"), 1u);

  ASSERT_EQ(run_pond({"build", "-s", "customers"}, root).exit_code, 0);
  std::string build = store_of(root).last_run({"build"})->run_id;
  r = run_pond({"runs", "reexecute", build}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "is not a run of assets")) << r.err;
  r = run_pond({"runs", "reexecute", "nope"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no run 'nope'")) << r.err;
}

TEST_F(PondTest, PartitionsAddAndRemoveDynamicKeys) {
  auto root = init_lake_project();
  edit_pond_yml(root, "timezone: UTC}\n", "  regions: {type: dynamic}\n");
  edit_pond_yml(root, "\nassets:\n",
                "  per_region: {run: 'echo $POND_PARTITION_KEY >> regions.log', partitions: regions}\n");
  ProcessResult r = run_pond({"materialize", "-s", "per_region", "--partition", "eu"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "pond partitions add regions eu")) << r.err;
  r = run_pond({"partitions", "add", "regions", "eu", "us"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Added 2 key(s) to regions: eu, us")) << r.out;
  r = run_pond({"partitions", "add", "regions", "eu"}, root);
  EXPECT_TRUE(contains(r.out, "Added 0 key(s) to regions (already there: eu)")) << r.out;
  r = run_pond({"materialize", "-s", "per_region", "--partition", "eu"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(read_file(root / "regions.log"), "eu\n");

  auto expect_error = [&](const std::vector<std::string>& args, const std::string& part) {
    ProcessResult e = run_pond(args, root);
    EXPECT_EQ(e.exit_code, 2) << e.out << e.err;
    EXPECT_TRUE(contains(e.err, part)) << part << "\n" << e.err;
  };
  expect_error({"partitions", "remove", "regions", "us", "xx"}, "have no key xx (nothing removed)");
  expect_error({"partitions", "add", "daily", "x"}, "are not dynamic");
  expect_error({"partitions", "add", "nope", "x"}, "no partitions definition 'nope'");
  expect_error({"partitions", "add", "regions", "a|b"}, "contains '|' or ','");
  r = run_pond({"partitions", "remove", "regions", "us"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Removed 1 key(s) from regions: us")) << r.out;
  auto keys = store_of(root).dynamic_partitions()["regions"];
  EXPECT_EQ(keys, std::vector<std::string>{"eu"});
}

TEST_F(PondTest, StatePruneAppliesRetention) {
  auto root = init_lake_project();
  ProcessResult r = run_pond({"state", "prune"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "sets no retention")) << r.out;
  edit_pond_yml(root, "state: .pond/state.db\n", "retention: {events: 30d, runs: 365d}\n");
  {
    // Two runs of long ago: one superseded by the materialize below, one still the latest of its asset.
    auto s = store_of(root);
    for (const char* id : {"old-superseded", "old-latest"}) {
      s.start_run(
          {id, "materialize", "", "{}", "running", "2020-01-01T00:00:00.000000Z", "", "", "cli", "", ""});
      s.finish_run(id, "success", "2020-01-01T00:00:01.000000Z", "{}");
    }
    s.record_materialization({"main.customers", "old-superseded", "", "2020-01-01T00:00:01.000000Z"});
    s.record_materialization({"gone_asset", "old-latest", "", "2020-01-01T00:00:01.000000Z"});
  }
  ASSERT_EQ(run_pond({"materialize", "-s", "+customers"}, root).exit_code, 0);
  r = run_pond({"state", "prune", "--dry-run"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Would prune 1 run(s)")) << r.out;
  EXPECT_TRUE(contains(r.out, "kept 1 older run(s)")) << r.out;
  EXPECT_TRUE(store_of(root).find_run("old-superseded"));
  r = run_pond({"state", "prune"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Pruned 1 run(s)")) << r.out;
  EXPECT_FALSE(store_of(root).find_run("old-superseded"));
  EXPECT_TRUE(store_of(root).find_run("old-latest"));
  EXPECT_EQ(store_of(root).last_run({"materialize"})->status, "success");
}

}  // namespace pond::test
