#include "orchestrate/recorder.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "orchestrate/artifacts.hpp"
#include "orchestrate/run_store.hpp"
#include "support/temp_dir.hpp"

namespace pond::orchestrate {

namespace {

using namespace std::chrono_literals;

StepInfo model_info(const std::string& name) {
  return {"model.shop." + name, {}, "model", "sql table model main." + name, "\"main\".\"" + name + "\"",
          "main." + name,       ""};
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
  r.outcome.executed_sql = {"CREATE OR REPLACE TABLE x AS (select 1)"};
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

TEST(RunSqlWriter, LeavesAFileWithTheSameSqlUntouchedAndRewritesAChangedOne) {
  test::TempDir dir;
  StepInfo a = model_info("a");
  StepResult r = finished(a, 1);
  {
    RunSqlWriter writer(dir.path());
    writer.on_finish(r, 1);
    writer.finish();
  }
  auto path = dir.path() / "run" / run_sql_path(a);
  ASSERT_TRUE(std::filesystem::exists(path));
  auto old_time = std::filesystem::file_time_type::clock::now() - 1h;
  std::filesystem::last_write_time(path, old_time);
  {
    RunSqlWriter writer(dir.path());
    writer.on_finish(r, 1);
    writer.finish();
  }
  EXPECT_EQ(std::filesystem::last_write_time(path), old_time);  // same SQL: not rewritten
  r.outcome.executed_sql = {"CREATE OR REPLACE TABLE x AS (select 2)"};
  {
    RunSqlWriter writer(dir.path());
    writer.on_finish(r, 1);
    writer.finish();
  }
  EXPECT_NE(std::filesystem::last_write_time(path), old_time);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "CREATE OR REPLACE TABLE x AS (select 2);\n\n");
}

}  // namespace pond::orchestrate
