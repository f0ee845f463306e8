#include <gtest/gtest.h>

#include "runstore/run_store.hpp"
#include "support/temp_dir.hpp"

namespace pond::runstore {

namespace {

PartitionRangeRecord range(std::int64_t a, std::int64_t b, std::string status, std::string run,
                           std::string code = "v1") {
  return {"main.events",  "", a, b, std::move(status), std::move(run), "2026-01-01T00:00:00Z",
          std::move(code)};
}

std::string dump(RunStore& s) {
  std::string out;
  for (const auto& r : s.partition_ranges_of("main.events"))
    out += "[" + std::to_string(r.range_start) + "," + std::to_string(r.range_end) + ")" + r.status[0] +
           r.run_id + " ";
  return out;
}

}  // namespace

TEST(RunStorePartitions, StretchesSplitAndMerge) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  auto rec = [&](const PartitionRangeRecord& r) { s.transaction([&] { s.record_partition_range(r); }); };
  rec(range(0, 100, "materialized", "r1"));
  EXPECT_EQ(dump(s), "[0,100)mr1 ");
  rec(range(40, 50, "failed", "r2"));  // splits
  EXPECT_EQ(dump(s), "[0,40)mr1 [40,50)fr2 [50,100)mr1 ");
  rec(range(40, 50, "materialized", "r1"));  // same outcome as its neighbours: one stretch again
  EXPECT_EQ(dump(s), "[0,100)mr1 ");
  rec(range(100, 120, "materialized", "r1"));  // touching, same outcome: merges
  EXPECT_EQ(dump(s), "[0,120)mr1 ");
  rec(range(110, 130, "materialized", "r3"));  // another run: no merge, overlap replaced
  EXPECT_EQ(dump(s), "[0,110)mr1 [110,130)mr3 ");
  rec(range(0, 200, "failed", "r4"));
  EXPECT_EQ(dump(s), "[0,200)fr4 ");
  EXPECT_EQ(s.partition_ranges().size(), 1u);
}

TEST(RunStorePartitions, DynamicKeysTargetsAndTags) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  EXPECT_EQ(s.add_dynamic_partitions("customers", {"acme", "globex"}).size(), 2u);
  EXPECT_EQ(s.add_dynamic_partitions("customers", {"globex", "initech"}),
            std::vector<std::string>{"initech"});
  EXPECT_EQ(s.dynamic_partitions().at("customers"), (std::vector<std::string>{"acme", "globex", "initech"}));
  EXPECT_EQ(s.remove_dynamic_partitions("customers", {"acme", "nope"}), std::vector<std::string>{"acme"});
  s.start_run({"run1", "materialize", "", "{}", "running", "2026-01-01T00:00:00Z", "", "dev", "cli", "", ""});
  s.record_run_targets("run1", {{"main.events", "", 0, 86400}});
  s.set_run_tags("run1", {{"team", "web"}});
  EXPECT_EQ(s.running_targets().size(), 1u);
  EXPECT_EQ(s.run_tags("run1").at("team"), "web");
  EXPECT_EQ(s.runs_with_tag("team", "web"), std::vector<std::string>{"run1"});
  s.finish_run("run1", "success", "2026-01-01T00:01:00Z", "{}");
  EXPECT_TRUE(s.running_targets().empty());
}

}  // namespace pond::runstore

namespace pond::runstore {

// A reader that keeps the stretches (the daemon) re-reads them only when this version moved:
// every write of a stretch moves it, also one that merges into an existing stretch.
TEST(PartitionRanges, EveryWriteMovesTheVersion) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  const std::int64_t v0 = s.partition_ranges_version();
  auto record = [&](std::int64_t a, std::int64_t b, const std::string& status) {
    s.transaction([&] {
      s.record_partition_range({"orders", "", a, b, status, "r1", "2026-01-01T00:00:00Z", "c"});
    });
  };
  record(0, 10, "materialized");
  const std::int64_t v1 = s.partition_ranges_version();
  EXPECT_GT(v1, v0);
  record(10, 20, "materialized");  // merges into [0, 20)
  const std::int64_t v2 = s.partition_ranges_version();
  EXPECT_GT(v2, v1);
  EXPECT_EQ(s.partition_ranges().size(), 1u);
  // A write rolled back leaves the version as it was.
  EXPECT_THROW(s.transaction([&] {
    s.record_partition_range({"orders", "", 5, 8, "failed", "r2", "2026-01-02T00:00:00Z", "c"});
    throw std::runtime_error("abort");
  }),
               std::runtime_error);
  EXPECT_EQ(s.partition_ranges_version(), v2);
  // Another connection sees the version move.
  RunStore other = RunStore::open(dir.path() / "state.db");
  record(30, 40, "failed");
  EXPECT_EQ(other.partition_ranges_version(), s.partition_ranges_version());
}

}  // namespace pond::runstore
