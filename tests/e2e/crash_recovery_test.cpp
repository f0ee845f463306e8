// Runs recoverable after any crash (issue 14): every planned step is recorded before any starts;
// a run whose process died is marked crashed; `pond retry` runs every step that did not finish,
// those that never started included; a lake commit and its step record never disagree (a step
// whose commit landed is not run again).
#include <fstream>

#include "pond_runner.hpp"
#include "runstore/run_store.hpp"
#include "state/database.hpp"

namespace pond::test {

namespace {

class CrashRecovery : public ::testing::Test {
 protected:
  CrashRecovery() : root_(dir_.path() / "p") {
    write_file(root_ / "dbt_project.yml",
               "name: p\nversion: '1.0'\nconfig-version: 2\nprofile: p\nmodel-paths: [models]\n"
               "models:\n  p:\n    +materialized: table\n");
    write_file(root_ / "profiles.yml",
               "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      "
               "threads: 1\n      lake:\n        catalog: sqlite:lake/catalog.sqlite\n        data_path: "
               "lake/data/\n");
    // A chain of models that each take a moment, and an incremental append model in the middle.
    for (int i = 0; i < kModels; ++i) {
      std::string body =
          i == 0 ? "select 1 as id, (select count(distinct range % 1000003) from range(1000000)) as n"
                 : "select id + 1 as id, (select count(distinct range % 1000003) from range(1000000)) as n "
                   "from {{ ref('m" +
                       std::to_string(i - 1) + "') }}";
      write_file(root_ / "models" / ("m" + std::to_string(i) + ".sql"), body);
    }
    write_file(root_ / "models" / "inc.sql",
               "{{ config(materialized='incremental', incremental_strategy='append') }}\n"
               "select id, now() as at from {{ ref('m2') }}");
  }

  std::string value(const std::string& sql) {
    ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv"}, root_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto nl = r.out.find('\n');
    std::string v = nl == std::string::npos ? "" : r.out.substr(nl + 1);
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }

  runstore::RunStore store() { return runstore::RunStore::open(root_ / ".pond" / "state.db"); }

  static constexpr int kModels = 16;
  TempDir dir_;
  std::filesystem::path root_;
};

}  // namespace

TEST_F(CrashRecovery, AKilledBuildIsCrashedAndRetryRunsEveryUnfinishedStep) {
  // A first build tells how long one takes here; the second is killed half way.
  ProcessResult r = run_pond({"build"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ProcessOptions kill;
  kill.signal = 9;
  kill.signal_after = r.elapsed / 2;
  r = run_pond({"build"}, root_, kill);
  ASSERT_EQ(r.exit_code, 128 + 9) << "the build finished before it was killed\n" << r.out;

  // Every step was recorded before the first one started, and the dead run is crashed.
  auto s = store();
  s.mark_crashed_runs();
  auto run = s.last_run();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "crashed");
  auto steps = s.steps_of(run->run_id);
  EXPECT_EQ(steps.size(), static_cast<std::size_t>(kModels + 1));
  std::size_t done = 0, pending = 0;
  for (const auto& st : steps) {
    done += st.status == "success";
    pending += st.status == "pending";
  }
  EXPECT_LT(done, static_cast<std::size_t>(kModels + 1));
  EXPECT_GT(pending, 0u);  // steps that never started are recorded too
  r = run_pond({"runs"}, root_);
  EXPECT_TRUE(contains(r.out, "crashed")) << r.out;

  r = run_pond({"retry"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Everything exists now, and the incremental model holds exactly two builds' rows (the first
  // build's and the killed one's, which the retry finished or recognised as committed).
  EXPECT_EQ(value("select max(id) from m" + std::to_string(kModels - 1)), std::to_string(kModels));
  EXPECT_EQ(value("select count(*) from inc"), "2");
  EXPECT_EQ(s.last_run()->status, "success");
}

TEST_F(CrashRecovery, AStepWhoseLakeCommitLandedIsNotRunAgain) {
  ProcessResult r = run_pond({"build", "-s", "+inc"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(value("select count(*) from inc"), "1");
  // As if the process died right after inc's commit, before its record was written: the run
  // and that step still "running", the process gone (a pid that does not exist).
  auto s = store();
  std::string run_id = s.last_run()->run_id;
  {
    auto db = state::open_sqlite((root_ / ".pond" / "state.db").string());
    db->execute("UPDATE runs SET status = 'running', pid = 999999999 WHERE run_id = ?", {run_id});
    db->execute("UPDATE steps SET status = 'running', lake_snapshot = NULL WHERE run_id = ? AND step_key = ?",
                {run_id, std::string("model.p.inc")});
    db->execute("DELETE FROM asset_materializations WHERE run_id = ? AND step_key = ?",
                {run_id, std::string("model.p.inc")});
  }
  r = run_pond({"retry"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "model.p.inc committed lake snapshot")) << r.err;
  EXPECT_EQ(value("select count(*) from inc"), "1");  // not appended twice
  auto steps = s.steps_of(run_id);
  for (const auto& st : steps)
    if (st.step_key == "model.p.inc") {
      EXPECT_EQ(st.status, "success");
      EXPECT_TRUE(st.lake_snapshot.has_value());
    }
}

}  // namespace pond::test
