// Retention: old runs and events go, runs in progress and latest outcomes stay.
#include <gtest/gtest.h>

#include "runstore/run_store.hpp"
#include "support/temp_dir.hpp"

namespace pond::runstore {

namespace {

void run(RunStore& s, const std::string& id, const std::string& at, const std::string& status = "success") {
  s.start_run({id, "materialize", "", "{}", "running", at, "", "", "cli", "", ""});
  if (status != "running") s.finish_run(id, status, at, "{}");
  EventRecord e;
  e.run_id = id;
  e.ts = at;
  e.kind = "log";
  s.record_event(e);
}

void materialized(RunStore& s, const std::string& asset, const std::string& run_id, const std::string& at) {
  MaterializationRecord m;
  m.asset_key = asset;
  m.run_id = run_id;
  m.ts = at;
  s.record_materialization(m);
}

}  // namespace

TEST(RunStorePrune, OldRunsGoButNotRunningOnesNorLatestOutcomes) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  run(s, "old_superseded", "2020-01-01T00:00:00.000000Z");
  materialized(s, "a", "old_superseded", "2020-01-01T00:00:00.000000Z");
  run(s, "old_latest", "2020-01-02T00:00:00.000000Z");
  materialized(s, "b", "old_latest", "2020-01-02T00:00:00.000000Z");
  run(s, "old_partition", "2020-01-03T00:00:00.000000Z", "error");
  s.transaction([&] {
    s.record_partition_range({"c", "", 0, 86400, "failed", "old_partition", "2020-01-03T00:00:00Z", ""});
  });
  run(s, "old_running", "2020-01-04T00:00:00.000000Z", "running");
  run(s, "new", "2026-01-01T00:00:00.000000Z");
  materialized(s, "a", "new", "2026-01-01T00:00:00.000000Z");
  s.set_run_tags("old_superseded", {{"k", "v"}});

  const std::string before = "2025-01-01T00:00:00.000000Z";
  PruneResult dry = s.prune(before, before, true);
  EXPECT_EQ(dry.runs, 1);
  EXPECT_EQ(dry.kept_runs, 2);  // old_latest, old_partition
  EXPECT_EQ(dry.events, 3);     // not old_running's
  EXPECT_TRUE(s.find_run("old_superseded"));

  PruneResult r = s.prune(before, before, false);
  EXPECT_EQ(r.runs, 1);
  EXPECT_FALSE(s.find_run("old_superseded"));
  EXPECT_TRUE(s.run_tags("old_superseded").empty());
  EXPECT_EQ(s.materializations_of("a", 10).size(), 1u);
  EXPECT_TRUE(s.find_run("old_latest"));
  EXPECT_TRUE(s.find_run("old_partition"));
  EXPECT_EQ(s.find_run("old_running")->status, "running");
  EXPECT_EQ(s.events_of("old_running").size(), 1u);
  EXPECT_TRUE(s.events_of("old_latest").empty());  // its events were older than the events policy
  EXPECT_EQ(s.events_of("new").size(), 1u);
  // Nothing left to prune.
  EXPECT_EQ(s.prune(before, before, false).runs, 0);
}

}  // namespace pond::runstore
