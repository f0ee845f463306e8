// pond backfill / backfills / backfill resume / runs cancel on the example project (examples/shop):
// a backfill where one partition fails then --mode failed re-runs only it (and what it skipped),
// kill -9 in the middle of a backfill then resume (every partition materialized exactly once),
// cancel of a run from a second process, and the bad inputs of each.
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/mini_project.hpp"
#include "e2e/pond_runner.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {

namespace {

const std::vector<std::string> kSel = {"-s", "web_visits+", "--exclude", "visits_export"};

std::vector<std::string> backfill_args(std::vector<std::string> extra) {
  std::vector<std::string> args{"backfill"};
  args.insert(args.end(), kSel.begin(), kSel.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

nlohmann::json backfills_json(const std::filesystem::path& root) {
  ProcessResult r = run_pond({"backfills", "-o", "json"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

// partition key -> how many materializations the store holds for it.
std::map<std::string, int> materialized_times(const std::filesystem::path& root, const std::string& asset) {
  auto store = runstore::RunStore::open(root / ".pond" / "state.db");
  std::map<std::string, int> out;
  for (const auto& m : store.materializations_of(asset, 100000)) ++out[m.partition_key];
  return out;
}

}  // namespace

TEST_F(PondTest, BackfillDryRunFailureThenModeFailedRerunsOnlyThatPartition) {
  auto root = init_lake_project();
  // The dry run prints the plan and records nothing.
  ProcessResult r =
      run_pond(backfill_args({"--from", "2026-03-01", "--to", "2026-03-06", "--dry-run"}), root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "6 runs, 12 asset partitions, 12 asset steps")) << r.out;
  EXPECT_TRUE(contains(r.out, "run 6: 2026-03-06 (1 partition): web_visits, daily_visits")) << r.out;
  EXPECT_TRUE(backfills_json(root).empty());
  r = run_pond(
      backfill_args({"--from", "2026-03-01", "--to", "2026-03-06", "--dry-run", "--policy", "batch:4"}),
      root);
  EXPECT_TRUE(contains(r.out, "run 1: 2026-03-01...2026-03-04 (4 partitions)")) << r.out;
  EXPECT_TRUE(contains(r.out, "run 2: 2026-03-05...2026-03-06 (2 partitions)")) << r.out;

  ProcessOptions fail;
  fail.env["WEB_VISITS_FAIL_ON"] = "2026-03-04";
  r = run_pond(backfill_args({"--from", "2026-03-01", "--to", "2026-03-06"}), root, fail);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto list = backfills_json(root);
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["status"], "failed");
  EXPECT_EQ(list[0]["runs_done"], 5);
  EXPECT_EQ(list[0]["failed"], 1);
  EXPECT_EQ(list[0]["partitions_done"], "5/6");
  EXPECT_EQ(query_value(root, "select count(*) from main.daily_visits"), "5");

  // Missing includes the failed day and the model it skipped; a second run of the same
  // range plans nothing else (succeeded partitions are never run again).
  r = run_pond(backfill_args({"--from", "2026-03-01", "--to", "2026-03-06", "--dry-run"}), root);
  EXPECT_TRUE(contains(r.out, "1 run, 2 asset partitions")) << r.out;
  r = run_pond(backfill_args({"--from", "2026-03-01", "--to", "2026-03-06", "--mode", "failed"}), root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Backfill run 1 of 1: web_visits, daily_visits at daily 2026-03-04")) << r.out;
  EXPECT_EQ(query_value(root, "select count(*) from main.daily_visits"), "6");
  for (const auto& [key, n] : materialized_times(root, "web_visits")) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(materialized_times(root, "web_visits").size(), 6u);
  r = run_pond(backfill_args({"--from", "2026-03-01", "--to", "2026-03-06"}), root);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "Nothing to backfill")) << r.out;
  // --mode all runs everything again, in one run with single-run.
  r = run_pond(backfill_args({"--from", "2026-03-01", "--to", "2026-03-06", "--mode", "all", "--policy",
                              "single-run", "--dry-run"}),
               root);
  EXPECT_TRUE(contains(r.out, "1 run, 12 asset partitions")) << r.out;
}

TEST_F(PondTest, BackfillKilledMidwayResumesAndMaterializesEveryPartitionOnce) {
  auto root = init_lake_project();
  ProcessOptions kill;
  kill.signal_after = std::chrono::milliseconds(3500);
  kill.signal = 9;
  ProcessResult r = run_pond(backfill_args({"--from", "2026-03-01", "--to", "2026-03-08"}), root, kill);
  ASSERT_EQ(r.exit_code, 128 + 9) << "the backfill finished before it was killed:\n" << r.out;
  auto list = backfills_json(root);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], "interrupted") << list.dump();
  std::string id = list[0]["backfill_id"];
  EXPECT_LT(list[0]["runs_done"].get<int>(), 8);

  r = run_pond({"backfill", "resume", id.substr(0, 8)}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  list = backfills_json(root);
  EXPECT_EQ(list[0]["status"], "success");
  EXPECT_EQ(list[0]["partitions_done"], "8/8");
  // Exactly once per partition in the run store, and the tables hold each day once.
  for (const char* asset : {"web_visits", "main.daily_visits"}) {
    auto times = materialized_times(root, asset);
    EXPECT_EQ(times.size(), 8u) << asset;
    for (const auto& [key, n] : times) EXPECT_EQ(n, 1) << asset << " " << key;
  }
  EXPECT_EQ(query_value(root,
                        "select count(*) = count(distinct visit_id) and count(distinct visit_date) = 8 "
                        "from raw.web_visits"),
            "true");
  EXPECT_EQ(query_value(root,
                        "select count(*) from main.daily_visits v join (select visit_date, count(*) n "
                        "from raw.web_visits group by 1) w using (visit_date) where v.visits = w.n"),
            "8");
  r = run_pond({"backfill", "resume", id}, root);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "already succeeded")) << r.out;
}

TEST_F(PondTest, RunsCancelFromAnotherProcessStopsTheRun) {
  auto root = init_lake_project();
  std::string yml = read_file(root / "pond.yml");
  yml.insert(yml.find("\nmodels:"),
             "\n  long_one: {run: sleep 60}\n  after_long: {run: 'true', deps: [long_one]}\n");
  write_file(root / "pond.yml", yml);
  ProcessResult run;
  std::thread t([&] { run = run_pond({"materialize", "-s", "long_one+"}, root); });
  std::string id;
  for (int i = 0; i < 200 && id.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto store = runstore::RunStore::open(root / ".pond" / "state.db");
    for (const auto& s : store.recent_runs(1))
      if (s.status == "running") id = s.run_id;
  }
  ASSERT_FALSE(id.empty());
  ProcessResult c = run_pond({"runs", "cancel", id}, root);
  t.join();
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(run.exit_code, 130) << run.out << run.err;
  EXPECT_LT(run.elapsed, std::chrono::seconds(30));
  auto store = runstore::RunStore::open(root / ".pond" / "state.db");
  EXPECT_EQ(store.find_run(id)->status, "cancelled");
  for (const auto& s : store.steps_of(id)) EXPECT_NE(s.status, "success") << s.step_key;
  c = run_pond({"runs", "cancel", id}, root);
  EXPECT_TRUE(contains(c.out, "is not running (cancelled)")) << c.out;
}

TEST_F(PondTest, BackfillBadInput) {
  auto root = init_lake_project();
  auto expect_error = [&](const std::vector<std::string>& args, const std::string& part) {
    ProcessResult r = run_pond(args, root);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, part)) << part << "\n" << r.err;
  };
  expect_error(backfill_args({"--from", "2026-03-01", "--to", "2026-03-02", "--mode", "sometimes"}),
               "--mode 'sometimes' is not a backfill mode");
  expect_error(backfill_args({"--from", "2026-03-01", "--to", "2026-03-02", "--policy", "batch:0"}),
               "--policy 'batch:0' is not a backfill policy");
  expect_error(backfill_args({"--from", "2025-01-01", "--to", "2026-03-02"}),
               "before its start (2026-03-01)");
  expect_error({"backfill", "-s", "web_visits", "--from", "2026-03-01"}, "needs --from and --to");
  expect_error({"backfill", "-s", "+visits_export", "--from", "2026-03-01", "--to", "2026-03-02"},
               "assets without partitions");
  expect_error({"backfill", "resume", "nope"}, "no backfill 'nope'");
  expect_error({"runs", "cancel", "nope"}, "no run 'nope'");
  EXPECT_TRUE(backfills_json(root).empty());
}

}  // namespace pond::test
