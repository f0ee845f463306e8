// A run-status sensor (`type: run_status`) in `pond daemon` of the real binary on simulated
// time: a failed run of a watched asset triggers the reaction once, a success or a failure of an
// unwatched asset does not, the reaction's own failure does not trigger it again, and pond.yml
// errors name their line.
#include <gtest/gtest.h>

#include <sstream>

#include "e2e/mini_project.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

TEST_F(PondTest, RunStatusSensorReactsOnceToAFailedRunOfAWatchedAsset) {
  fs::path root = dir_ / "mini";
  write_mini_project(root);
  write_file(root / "pond.yml",
             "assets:\n"
             "  broken: {run: [sh, -c, 'exit 3'], tags: [finance]}\n"
             "  other_broken: {run: [sh, -c, 'exit 4']}\n"
             "  fine: {run: 'true', tags: [finance]}\n"
             "  alert:\n"
             "    run: [sh, -c, 'echo \"$POND_RUN_ID\" >> \"$POND_PROJECT_DIR/alerts.log\"; exit 1']\n"
             "sensors:\n"
             "  on_failure:\n"
             "    type: run_status\n"
             "    status: failure\n"
             "    watch: [\"tag:finance\"]\n"
             "    select: [alert]\n"
             "    interval: 10m\n");
  for (const char* asset : {"broken", "other_broken", "fine"}) {
    ProcessResult q = run_pond({"materialize", "-s", asset, "--submit"}, root);
    ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
  }
  ProcessResult r = run_pond(
      {"daemon", "--simulate-from", "2026-03-28T00:00", "--simulate-until", "2026-03-28T02:00"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // runs failed; the daemon went on to the end
  EXPECT_TRUE(contains(r.out, "pond daemon: simulated window done")) << r.out;
  // The reaction ran once (and failed: that does not trigger it again).
  std::istringstream alerts(read_file(root / "alerts.log"));
  std::vector<std::string> ids;
  for (std::string id; alerts >> id;) ids.push_back(id);
  ASSERT_EQ(ids.size(), 1u) << r.out;
  runstore::RunStore s = runstore::RunStore::open(root / ".pond" / "state.db");
  auto ticks = s.recent_ticks("sensor:on_failure", 10);
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].status, "submitted");
  EXPECT_EQ(ticks[0].run_ids, std::vector<std::string>{ids[0]});
  EXPECT_TRUE(contains(ticks[0].reason, "1 run(s) finished failure: ")) << ticks[0].reason;
  EXPECT_TRUE(contains(ticks[0].reason, "broken: error")) << ticks[0].reason;
  EXPECT_FALSE(contains(ticks[0].reason, "other_broken")) << ticks[0].reason;
  // A restart finds nothing new.
  r = run_pond({"daemon", "--simulate-from", "2026-03-28T02:00", "--simulate-until", "2026-03-28T03:00"},
               root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(s.recent_ticks("sensor:on_failure", 10).size(), 1u);
  r = run_pond({"sensors", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "on_failure,run_status,runs that end in failure of tag:finance,alert"))
      << r.out;

  // Bad input: an unknown status, path: on a run_status sensor.
  write_file(root / "pond.yml",
             "assets:\n  alert: {run: 'true'}\nsensors:\n  s:\n    type: run_status\n    status: failed\n"
             "    select: [alert]\n");
  r = run_pond({"sensors"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "pond.yml:6:")) << r.err;
  EXPECT_TRUE(contains(r.err, "'status:' must be failure or success, not 'failed'")) << r.err;
}

}  // namespace
}  // namespace pond::test
