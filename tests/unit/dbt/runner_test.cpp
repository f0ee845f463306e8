// The dbt task library called from code, as the orchestrator and the UI call it (no binary).
#include "dbt/runner.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "runstore/run_store.hpp"
#include "support/temp_dir.hpp"

namespace pond::dbt {
namespace {

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() {
    test::write_file(dir_.path() / "dbt_project.yml",
                     "name: mini\nversion: '1.0'\nconfig-version: 2\nprofile: mini\nmodel-paths: [models]\n");
    test::write_file(
        dir_.path() / "profiles.yml",
        "mini:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: mini.duckdb\n"
        "      threads: 2\n");
    test::write_file(dir_.path() / "models" / "base.sql", "select range as id from range(10)");
    test::write_file(dir_.path() / "models" / "doubled.sql", "select id * 2 as v from {{ ref('base') }}");
    test::write_file(
        dir_.path() / "models" / "schema.yml",
        "version: 2\nmodels:\n  - name: base\n    columns:\n      - name: id\n        data_tests: "
        "[unique, not_null]\n");
    options_.project_dir = dir_.path();
    options_.profiles_dir = dir_.path();
  }
  test::TempDir dir_;
  GlobalOptions options_;
};

TEST_F(RunnerTest, InvokesTasksAndRecordsTheRun) {
  Runner runner(options_);
  std::ostringstream out;
  EXPECT_EQ(runner.invoke("build", ExecOptions{}, out), 0) << out.str();
  EXPECT_NE(out.str().find("Completed successfully"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("PASS=4"), std::string::npos) << out.str();

  auto store = runstore::RunStore::open(dir_.path() / ".pond" / "state.db");
  auto last = store.last_run();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->command, "build");
  EXPECT_EQ(last->status, "success");
  EXPECT_EQ(store.steps_of(last->run_id).size(), 4u);
  EXPECT_EQ(store.materializations_of("main.doubled", 5).size(), 1u);

  std::ostringstream names;
  LsOptions ls;
  ls.output = "name";
  ls.selection.select = {"+doubled"};
  EXPECT_EQ(runner.invoke("ls", ls, names), 0);
  EXPECT_EQ(names.str(), "base\ndoubled\nnot_null_base_id\nunique_base_id\n");
}

TEST_F(RunnerTest, KeepsTheLoadedProject) {
  Runner runner(options_);
  LoadedProject& p = runner.project();
  EXPECT_EQ(&p, &runner.project());
  EXPECT_NE(p.manifest.find("model.mini.doubled"), nullptr);
  runner.reload();
  EXPECT_NE(runner.project().manifest.find("model.mini.base"), nullptr);
}

TEST_F(RunnerTest, RefusesUnknownCommandsAndMismatchedOptions) {
  Runner runner(options_);
  std::ostringstream out;
  try {
    runner.invoke("bild", ExecOptions{}, out);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'build'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(runner.invoke("run", LsOptions{}, out), UserError);
}

TEST_F(RunnerTest, CancelFromAnotherThreadStopsTheRunAndTheNextInvokeStartsAfresh) {
  test::write_file(dir_.path() / "models" / "slow.sql",
                   "{{ config(materialized='table') }} select count(*) as n from range(100000000000) a");
  Runner runner(options_);
  std::ostringstream out;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    runner.cancel();
  });
  ExecOptions slow;
  slow.selection.select = {"slow"};
  EXPECT_EQ(runner.invoke("run", slow, out), 130) << out.str();
  canceller.join();
  std::ostringstream again;
  ExecOptions base;
  base.selection.select = {"base"};
  EXPECT_EQ(runner.invoke("run", base, again), 0) << again.str();
}

}  // namespace
}  // namespace pond::dbt
