// Sensors of the real daemon: a files sensor over a folder receiving 100 files in bursts
// (each file triggers once, with the run that it triggered recorded), the same on a wall-clock
// daemon following the folder by change notification (files written, rewritten, moved in, in a
// new subfolder), a missing folder failing
// the evaluation once (the daemon goes on), an asset sensor triggered by a materialization of
// another process, and a sensor turned off.
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <set>
#include <thread>

#include "e2e/mini_project.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

const char* kAssets =
    "assets:\n"
    "  stamp:\n    run: [sh, -c, 'echo \"$POND_RUN_ID\" >> \"$POND_PROJECT_DIR/stamps.log\"']\n"
    "  follow:\n    run: [sh, -c, 'echo \"$POND_RUN_ID\" >> \"$POND_PROJECT_DIR/follow.log\"']\n";

class Sensors : public PondTest {
 protected:
  fs::path project(const std::string& sensors) {
    fs::path root = dir_ / "mini";
    write_mini_project(root);
    write_file(root / "pond.yml", std::string(kAssets) + "sensors:\n" + sensors);
    return root;
  }
  runstore::RunStore store(const fs::path& root) {
    return runstore::RunStore::open(root / ".pond" / "state.db");
  }
  // A minute of simulated daemon starting at `from` (sensors evaluate every 30s).
  void daemon_minute(const fs::path& root, const std::string& from, const std::string& until) {
    ProcessResult r = run_pond({"daemon", "--simulate-from", from, "--simulate-until", until}, root);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::vector<runstore::RunRecord> runs(const fs::path& root) { return store(root).recent_runs(1000); }
};

void burst(const fs::path& dir, int from, int count) {
  for (int i = from; i < from + count; ++i)
    write_file(dir / ("f" + std::to_string(i) + ".csv"), "id\n" + std::to_string(i) + "\n");
}

TEST_F(Sensors, FilesSensorTriggersOncePerNewOrChangedFile) {
  fs::path root =
      project("  landing: {type: files, path: landing, glob: '*.csv', select: [stamp], interval: 30s}\n");
  fs::create_directories(root / "landing");
  burst(root / "landing", 0, 40);
  daemon_minute(root, "2026-03-28T00:00", "2026-03-28T00:02");
  EXPECT_EQ(runs(root).size(), 1u);
  burst(root / "landing", 40, 35);
  write_file(root / "landing" / "notes.txt", "not matched by the glob\n");
  daemon_minute(root, "2026-03-28T00:10", "2026-03-28T00:12");
  EXPECT_EQ(runs(root).size(), 2u);
  burst(root / "landing", 75, 25);
  write_file(root / "landing" / "f3.csv", "id\n3\n3\n");  // changed: triggers again
  daemon_minute(root, "2026-03-28T00:20", "2026-03-28T00:22");
  daemon_minute(root, "2026-03-28T00:30", "2026-03-28T00:32");  // nothing new
  auto all = runs(root);
  ASSERT_EQ(all.size(), 3u);
  std::set<std::string> ids;
  for (const auto& r : all) {
    EXPECT_EQ(r.trigger, "sensor");
    EXPECT_EQ(r.status, "success");
    ids.insert(r.run_id);
  }
  runstore::RunStore s = store(root);
  auto files = s.sensor_files("sensor:landing");
  EXPECT_EQ(files.size(), 100u);
  EXPECT_FALSE(files.count("notes.txt"));
  auto ticks = s.recent_ticks("sensor:landing", 10);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[2].reason.substr(0, 31), "40 new or changed file(s): f0.c");
  EXPECT_EQ(ticks[1].reason.substr(0, 27), "35 new or changed file(s): ");
  EXPECT_EQ(ticks[0].reason.substr(0, 27), "26 new or changed file(s): ");
  for (const auto& t : ticks) {
    ASSERT_EQ(t.run_ids.size(), 1u);
    EXPECT_TRUE(ids.count(t.run_ids[0]));
  }
  ProcessResult r = run_pond({"sensors", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "landing,files,landing/*.csv,stamp,30s,on,2026-03-28T00:20Z,\"submitted run "))
      << r.out;

  // Off: new files wait until it is on again.
  ASSERT_EQ(run_pond({"sensors", "off", "landing"}, root).exit_code, 0);
  burst(root / "landing", 100, 5);
  daemon_minute(root, "2026-03-28T00:40", "2026-03-28T00:42");
  EXPECT_EQ(runs(root).size(), 3u);
  ASSERT_EQ(run_pond({"sensors", "on", "landing"}, root).exit_code, 0);
  daemon_minute(root, "2026-03-28T00:50", "2026-03-28T00:52");
  EXPECT_EQ(runs(root).size(), 4u);
}

// A listing that takes longer than the sensor's timeout fails the evaluation (nothing queued);
// with the default timeout the same folder triggers.
TEST_F(Sensors, AListingLongerThanTheTimeoutFailsTheEvaluation) {
  fs::path root = project("  landing: {type: files, path: landing, select: [stamp], timeout: 1ms}\n");
  fs::create_directories(root / "landing");
  burst(root / "landing", 0, 5000);
  daemon_minute(root, "2026-03-28T00:00", "2026-03-28T00:01");
  EXPECT_TRUE(runs(root).empty());
  auto ticks = store(root).recent_ticks("sensor:landing", 10);
  ASSERT_FALSE(ticks.empty());
  EXPECT_EQ(ticks[0].status, "failed");
  EXPECT_TRUE(contains(ticks[0].reason, "more than the sensor's timeout (0.001 s); nothing was queued"))
      << ticks[0].reason;
  write_file(root / "pond.yml",
             std::string(kAssets) + "sensors:\n  landing: {type: files, path: landing, select: [stamp]}\n");
  daemon_minute(root, "2026-03-28T00:10", "2026-03-28T00:11");
  EXPECT_EQ(runs(root).size(), 1u);
}

TEST_F(Sensors, AMissingFolderFailsTheEvaluationOnceAndTheDaemonGoesOn) {
  fs::path root = project("  landing: {type: files, path: nope, select: [stamp], interval: 30s}\n");
  daemon_minute(root, "2026-03-28T00:00", "2026-03-28T00:05");
  auto ticks = store(root).recent_ticks("sensor:landing", 10);
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].status, "failed");
  EXPECT_TRUE(contains(ticks[0].reason, "path 'nope' is not a folder")) << ticks[0].reason;
  ProcessResult r = run_pond({"sensors", "landing", "-o", "csv"}, root);
  EXPECT_TRUE(contains(r.out, "failed")) << r.out;
  // Created later: the sensor works from then on.
  fs::create_directories(root / "nope");
  write_file(root / "nope" / "a.csv", "x\n");
  daemon_minute(root, "2026-03-28T00:10", "2026-03-28T00:11");
  EXPECT_EQ(runs(root).size(), 1u);
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// A wall-clock daemon keeps a folder watch between ticks and looks only at the files the kernel
// reported: every kind of change must still trigger exactly once, and nothing else.
TEST_F(Sensors, AWatchedFolderTriggersOncePerChangeOnAWallClockDaemon) {
  fs::path root =
      project("  landing: {type: files, path: landing, glob: '*.csv', select: [stamp], interval: 1s}\n");
  fs::create_directories(root / "landing");
  burst(root / "landing", 0, 3);
  ProcessResult daemon;
  std::thread t([&] {
    ProcessOptions o;
    o.signal = SIGTERM;
    o.signal_after = std::chrono::milliseconds(10000);
    daemon = run_pond({"daemon", "--poll", "100"}, root, o);
  });
  auto ticks_are = [&](std::size_t n) {
    return wait_for(
        [&] {
          if (!fs::exists(root / ".pond" / "state.db")) return false;
          return store(root).recent_ticks("sensor:landing", 100).size() >= n;
        },
        std::chrono::milliseconds(5000));
  };
  EXPECT_TRUE(ticks_are(1)) << "the first listing triggered nothing";
  burst(root / "landing", 3, 2);                                // new
  write_file(root / "landing" / "f0.csv", "id\n0\n0\n");        // rewritten
  write_file(root / "landing" / "notes.txt", "not matched\n");  // not matched by the glob
  write_file(root / "elsewhere.csv", "id\n9\n");
  fs::rename(root / "elsewhere.csv", root / "landing" / "moved.csv");  // moved in
  EXPECT_TRUE(ticks_are(2)) << "the watched changes triggered nothing";
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two ticks with nothing new
  EXPECT_EQ(store(root).recent_ticks("sensor:landing", 100).size(), 2u) << "a tick with no change triggered";
  fs::create_directories(root / "landing" / "2026" / "12");
  write_file(root / "landing" / "2026" / "12" / "day.csv", "id\n1\n");  // a new folder: listed again
  EXPECT_TRUE(ticks_are(3)) << "a file in a new folder triggered nothing";
  t.join();
  EXPECT_EQ(daemon.exit_code, 0) << daemon.out << daemon.err;
  auto ticks = store(root).recent_ticks("sensor:landing", 100);
  ASSERT_EQ(ticks.size(), 3u) << daemon.out;
  EXPECT_EQ(ticks[2].reason.substr(0, 26), "3 new or changed file(s): ");
  EXPECT_EQ(ticks[1].reason, "4 new or changed file(s): f0.csv, f3.csv, f4.csv, moved.csv");
  EXPECT_EQ(ticks[0].reason, "1 new or changed file(s): 2026/12/day.csv");
  EXPECT_EQ(store(root).sensor_files("sensor:landing").size(), 7u);
  EXPECT_FALSE(contains(daemon.err, "no change notification")) << daemon.err;
}

TEST_F(Sensors, AssetSensorRunsAfterAMaterializationByAnotherProcess) {
  fs::path root = project("  after_stamp: {type: asset, asset: stamp, select: [follow], interval: 30s}\n");
  daemon_minute(root, "2026-03-28T00:00", "2026-03-28T00:01");  // the cursor: nothing yet
  EXPECT_TRUE(runs(root).empty());
  ProcessResult r = run_pond({"materialize", "-s", "stamp"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  daemon_minute(root, "2026-03-28T00:10", "2026-03-28T00:12");
  daemon_minute(root, "2026-03-28T00:20", "2026-03-28T00:22");  // the same materialization: no new run
  std::vector<std::string> followers;
  for (const auto& run : runs(root))
    if (run.trigger == "sensor") followers.push_back(run.run_id);
  ASSERT_EQ(followers.size(), 1u);
  EXPECT_TRUE(contains(read_file(root / "follow.log"), followers[0]));
  auto ticks = store(root).recent_ticks("sensor:after_stamp", 10);
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_TRUE(contains(ticks[0].reason, "stamp materialized at ")) << ticks[0].reason;

  // A sensor on an asset the project does not have is refused at its pond.yml line.
  root = project("  bad: {type: asset, asset: nope, select: [follow]}\n");
  r = run_pond({"daemon", "--simulate-from", "2026-03-28", "--simulate-until", "2026-03-28T00:01"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "pond.yml:")) << r.err;
  EXPECT_TRUE(contains(r.err, "no asset 'nope'")) << r.err;
}

}  // namespace
}  // namespace pond::test
