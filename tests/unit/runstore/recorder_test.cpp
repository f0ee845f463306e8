#include "runstore/recorder.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/time.hpp"
#include "runstore/run_store.hpp"
#include "support/temp_dir.hpp"

namespace pond::runstore {

namespace {

using namespace std::chrono_literals;
using exec::RunOutcome;
using exec::Status;
using exec::StepInfo;
using exec::StepResult;

StepInfo model_info(const std::string& name) {
  StepInfo info;
  info.id = "model.shop." + name;
  info.kind = "model";
  info.description = "sql table model main." + name;
  info.relation = "\"main\".\"" + name + "\"";
  info.materializes = {"main." + name};
  return info;
}

StepResult finished(const StepInfo& info, int index) {
  StepResult r;
  r.info = &info;
  r.index = index;
  r.thread = 1;
  r.started_at = iso_utc_now();
  r.completed_at = iso_utc_now();
  r.outcome.status = Status::kSuccess;
  r.outcome.rows = 7;
  r.outcome.materializations.push_back(exec::materialized(info, 7, std::nullopt));
  return r;
}

struct Store {
  test::TempDir dir;
  RunStore store = RunStore::open(dir.path() / ".pond" / "state.db");
  std::string run_id = random_uuid();
  Store() { store.start_run({run_id, "run", "", "{}", "running", iso_utc_now(), "", "dev", "cli", "", ""}); }
  // A second connection, as `pond runs` or the UI would read the file.
  std::vector<StepRecord> steps_seen_by_reader() {
    RunStore reader = RunStore::open(dir.path() / ".pond" / "state.db");
    return reader.steps_of(run_id);
  }
};

}  // namespace

TEST(RunRecorder, WritesNothingBeforeTheIntervalThenEverythingAtFlush) {
  Store s;
  RunRecorder recorder(s.store, s.run_id, 1h);
  StepInfo a = model_info("a");
  recorder.on_start(a, 1, 2);
  EXPECT_TRUE(s.steps_seen_by_reader().empty());  // still pending: off the workers' path
  recorder.flush();
  auto steps = s.steps_seen_by_reader();
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].status, "running");  // a process killed now leaves the step as running
  recorder.on_finish(finished(a, 1), 2);
  recorder.flush();
  steps = s.steps_seen_by_reader();
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].status, "success");
  EXPECT_EQ(steps[0].rows_affected, 7);
}

TEST(RunRecorder, AStepStartedAndFinishedInOneBatchIsWrittenWithItsFinalRow) {
  Store s;
  RunRecorder recorder(s.store, s.run_id, 1h);
  StepInfo a = model_info("a"), b = model_info("b");
  recorder.on_start(a, 1, 2);
  recorder.on_start(b, 2, 2);
  recorder.on_finish(finished(a, 1), 2);
  recorder.flush();
  auto steps = s.steps_seen_by_reader();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].step_key, "model.shop.a");
  EXPECT_EQ(steps[0].status, "success");
  EXPECT_EQ(steps[1].step_key, "model.shop.b");
  EXPECT_EQ(steps[1].status, "running");
  EXPECT_EQ(s.store.materializations_of("main.a", 5).size(), 1u);
}

TEST(RunRecorder, TheWriterThreadFlushesOnItsOwnAfterTheInterval) {
  Store s;
  RunRecorder recorder(s.store, s.run_id, 10ms);
  StepInfo a = model_info("a");
  recorder.on_start(a, 1, 1);
  recorder.on_finish(finished(a, 1), 1);
  std::vector<StepRecord> steps;
  for (int i = 0; i < 500 && steps.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    steps = s.steps_seen_by_reader();
  }
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].status, "success");
}

TEST(RunRecorder, FinishWritesThePendingRowsAndTheRunsStatus) {
  Store s;
  StepInfo a = model_info("a");
  RunOutcome outcome;
  outcome.results.push_back(finished(a, 1));
  {
    RunRecorder recorder(s.store, s.run_id, 1h);
    recorder.on_start(a, 1, 1);
    recorder.on_finish(outcome.results[0], 1);
    recorder.finish(outcome);
  }
  EXPECT_EQ(s.steps_seen_by_reader().size(), 1u);
  auto run = s.store.find_run(s.run_id);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "success");
}

TEST(RunRecorder, DestructionWithoutFinishStillWritesWhatIsPending) {
  Store s;
  StepInfo a = model_info("a");
  {
    RunRecorder recorder(s.store, s.run_id, 1h);
    recorder.on_start(a, 1, 1);
  }
  auto steps = s.steps_seen_by_reader();
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].status, "running");
  EXPECT_EQ(s.store.find_run(s.run_id)->status, "running");  // no finish: counts as interrupted
}

}  // namespace pond::runstore

namespace pond::runstore {

TEST(RunRecorder, RecordsExactlyTheMaterializationsAndChecksAStepReports) {
  Store s;
  StepInfo cmd;
  cmd.id = "command.export";
  cmd.kind = "command";
  cmd.materializes = {"ml.scores", "ml.features"};
  StepResult r;
  r.info = &cmd;
  r.index = 1;
  r.thread = 1;
  r.started_at = r.completed_at = iso_utc_now();
  r.outcome.materializations.push_back({"ml.scores", "2026-01-01", 10, 2048, 5, R"({"model":"v2"})"});
  r.outcome.materializations.push_back({"ml.features", "", std::nullopt, std::nullopt, std::nullopt, "{}"});
  r.outcome.checks.push_back(
      {"ml.scores", "scores_in_range", Status::kWarn, "warn", 3, "3 rows out of range"});
  {
    RunRecorder recorder(s.store, s.run_id, 1h);
    recorder.on_finish(r, 1);
    recorder.flush();
  }
  auto m = s.store.materializations_of("ml.scores", 5);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].partition_key, "2026-01-01");
  EXPECT_EQ(m[0].rows, 10);
  EXPECT_EQ(m[0].bytes, 2048);
  EXPECT_EQ(m[0].snapshot_id, 5);
  EXPECT_EQ(m[0].metadata_json, R"({"model":"v2"})");
  EXPECT_EQ(s.store.materializations_of("ml.features", 5).size(), 1u);
  auto checks = s.store.checks_of_run(s.run_id);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].check_name, "scores_in_range");
  EXPECT_EQ(checks[0].status, "warn");
  EXPECT_EQ(checks[0].severity, "warn");
  EXPECT_EQ(checks[0].failures, 3);
  auto steps = s.steps_seen_by_reader();
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].resource_type, "command");
  EXPECT_EQ(steps[0].lake_snapshot, 5);
}

}  // namespace pond::runstore
