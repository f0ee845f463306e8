// `pond daemon` of the real binary on simulated time: exactly the expected ticks run (across a
// DST change), once each, also when the daemon is killed (-9) at random points and restarted;
// catch-up after downtime; schedules turned off are not ticked; a second daemon refuses;
// SIGTERM stops the daemon cleanly and releases its lease.
#include <gtest/gtest.h>
#include <signal.h>

#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "e2e/mini_project.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

// A command asset that appends its run id to stamps.log (after `sleep` seconds).
std::string stamp_asset(const std::string& sleep = "0") {
  return "assets:\n  stamp:\n    run: [sh, -c, 'sleep " + sleep +
         "; echo \"$POND_RUN_ID\" >> \"$POND_PROJECT_DIR/stamps.log\"']\n";
}

class Daemon : public PondTest {
 protected:
  fs::path project(const std::string& pond_yml) {
    fs::path root = dir_ / "mini";
    write_mini_project(root);
    write_file(root / "pond.yml", pond_yml);
    return root;
  }
  runstore::RunStore store(const fs::path& root) {
    return runstore::RunStore::open(root / ".pond" / "state.db");
  }
  ProcessResult daemon(const fs::path& root, const std::string& from, const std::string& until,
                       ProcessOptions options = {}) {
    return run_pond({"daemon", "--simulate-from", from, "--simulate-until", until}, root, options);
  }
  // tick (UTC text) -> status of a schedule's recorded ticks, via `pond schedules NAME`.
  std::map<std::string, std::string> ticks(const fs::path& root, const std::string& name) {
    ProcessResult r = run_pond({"schedules", name, "-o", "csv"}, root);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::string> out;
    std::istringstream in(r.out);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::stringstream cs(line);
      std::string c;
      while (std::getline(cs, c, ',')) cells.push_back(c);
      if (cells.size() >= 3) out[cells[0]] = cells[2];
    }
    return out;
  }
  std::vector<std::string> stamps(const fs::path& root) {
    std::vector<std::string> out;
    std::istringstream in(fs::exists(root / "stamps.log") ? read_file(root / "stamps.log") : "");
    for (std::string id; in >> id;) out.push_back(id);
    return out;
  }
};

TEST_F(Daemon, SimulatedDaysRunExactlyTheExpectedTicksAcrossDst) {
  fs::path root = project(stamp_asset() +
                          "schedules:\n"
                          "  nightly: {cron: '30 2 * * *', timezone: Europe/Berlin, select: [stamp]}\n"
                          "  six: {cron: '0 */6 * * *', select: [stamp]}\n");
  ProcessResult r = daemon(root, "2026-03-28T12:00", "2026-03-30T12:00");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // 02:30 does not exist in Berlin on 2026-03-29: that day ticks at 03:00 CEST.
  EXPECT_EQ(ticks(root, "nightly"), (std::map<std::string, std::string>{{"2026-03-29T01:00Z", "submitted"},
                                                                        {"2026-03-30T00:30Z", "submitted"}}));
  std::map<std::string, std::string> six;
  for (const char* t : {"2026-03-28T18:00Z", "2026-03-29T00:00Z", "2026-03-29T06:00Z", "2026-03-29T12:00Z",
                        "2026-03-29T18:00Z", "2026-03-30T00:00Z", "2026-03-30T06:00Z", "2026-03-30T12:00Z"})
    six[t] = "submitted";
  EXPECT_EQ(ticks(root, "six"), six);
  // Each tick's run ran once, tagged with its schedule and tick.
  runstore::RunStore s = store(root);
  std::set<std::string> runs;
  std::multiset<std::string> tick_tags;
  for (const auto& run : s.recent_runs(100)) {
    EXPECT_EQ(run.trigger, "schedule");
    EXPECT_EQ(run.status, "success") << run.run_id;
    runs.insert(run.run_id);
    auto tags = s.run_tags(run.run_id);
    tick_tags.insert(tags["pond/schedule"] + "@" + tags["pond/tick"]);
  }
  EXPECT_EQ(runs.size(), 10u);
  EXPECT_EQ(tick_tags.count("nightly@2026-03-29T01:00Z"), 1u);
  EXPECT_EQ(tick_tags.count("six@2026-03-30T12:00Z"), 1u);
  std::vector<std::string> ran = stamps(root);
  EXPECT_EQ(std::set<std::string>(ran.begin(), ran.end()), runs);
  EXPECT_EQ(ran.size(), 10u);

  // Run again over the same window: every tick is recorded, nothing runs twice.
  r = daemon(root, "2026-03-28T12:00", "2026-03-30T12:00");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(stamps(root).size(), 10u);
  EXPECT_EQ(store(root).recent_runs(100).size(), 10u);

  // The list shows the last tick and its outcome.
  r = run_pond({"schedules", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, ",2026-03-30T12:00Z,submitted run ")) << r.out;
}

TEST_F(Daemon, KilledAtRandomPointsAndRestartedNoTickIsLostOrDoubled) {
  fs::path root = project(stamp_asset("0.05") + "schedules:\n  hourly: {cron: '@hourly', select: [stamp]}\n");
  const int kTicks = 30;
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> after(150, 1500);
  int kills = 0;
  for (int attempt = 0; attempt < 60; ++attempt) {
    ProcessOptions o;
    o.signal = SIGKILL;
    o.signal_after = std::chrono::milliseconds(after(rng));
    ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-29T06:00", o);
    if (r.exit_code == 0) break;
    ASSERT_EQ(r.exit_code, 128 + SIGKILL) << r.out << r.err;
    ++kills;
  }
  EXPECT_GT(kills, 0) << "the daemon was never killed mid-way";
  std::map<std::string, std::string> t = ticks(root, "hourly");
  ASSERT_EQ(t.size(), static_cast<std::size_t>(kTicks));
  for (const auto& [at, status] : t) EXPECT_EQ(status, "submitted") << at;
  // One run per tick: the ticks' runs are all there, distinct, each ran at most once (a run
  // killed with its daemon is crashed, not run again), and every run that was not crashed ran.
  runstore::RunStore s = store(root);
  std::map<std::string, int> per_tick;
  std::set<std::string> finished;
  for (const auto& run : s.recent_runs(1000)) {
    ++per_tick[s.run_tags(run.run_id)["pond/tick"]];
    EXPECT_TRUE(run.status == "success" || run.status == "crashed") << run.run_id << " " << run.status;
    if (run.status == "success") finished.insert(run.run_id);
  }
  EXPECT_EQ(per_tick.size(), static_cast<std::size_t>(kTicks));
  for (const auto& [at, n] : per_tick) EXPECT_EQ(n, 1) << at;
  std::vector<std::string> ran = stamps(root);
  std::set<std::string> distinct(ran.begin(), ran.end());
  EXPECT_EQ(distinct.size(), ran.size()) << "a run ran twice";
  for (const auto& id : finished) EXPECT_TRUE(distinct.count(id)) << id;
}

TEST_F(Daemon, CatchUpAfterDowntimeRunsTheLatestTicksOnly) {
  fs::path root =
      project(stamp_asset() + "schedules:\n  hourly: {cron: '@hourly', select: [stamp], catchup: 3}\n");
  ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-28T02:00");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Down from 02:00 to 12:00: ticks 03:00..12:00 were missed; the latest 3 run.
  r = daemon(root, "2026-03-28T12:00", "2026-03-28T12:30");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> t = ticks(root, "hourly");
  ASSERT_EQ(t.size(), 12u);
  for (int h = 1; h <= 12; ++h) {
    char at[32];
    std::snprintf(at, sizeof at, "2026-03-28T%02d:00Z", h);
    EXPECT_EQ(t[at], h <= 2 || h >= 10 ? "submitted" : "skipped") << at;
  }
  EXPECT_EQ(stamps(root).size(), 5u);
  r = run_pond({"schedules", "hourly", "-o", "csv"}, root);
  EXPECT_TRUE(contains(r.out, "missed while no daemon ran (catchup: 3)")) << r.out;
}

TEST_F(Daemon, SchedulesTurnedOffAreNotTicked) {
  fs::path root = project(stamp_asset() +
                          "schedules:\n  six: {cron: '0 */6 * * *', select: [stamp]}\n"
                          "  hourly: {cron: '@hourly', select: [stamp], enabled: false}\n");
  ProcessResult r = run_pond({"schedules", "off", "six"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_pond({"schedules", "off", "nope"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no schedule 'nope'")) << r.err;
  r = run_pond({"schedules", "-o", "csv"}, root);
  EXPECT_TRUE(contains(r.out, "six,0 */6 * * *,UTC,stamp,,off,")) << r.out;
  r = daemon(root, "2026-03-28T00:00", "2026-03-29T00:00");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ticks(root, "six").empty());
  EXPECT_TRUE(ticks(root, "hourly").empty()) << "enabled: false in pond.yml";
  // On again (the store overrides pond.yml): ticks from the daemon's next evaluation, the ticks
  // missed while off are not caught up.
  ASSERT_EQ(run_pond({"schedules", "on", "hourly"}, root).exit_code, 0);
  r = daemon(root, "2026-03-29T00:00", "2026-03-29T03:00");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ticks(root, "hourly").size(), 3u);
  EXPECT_TRUE(ticks(root, "six").empty());
}

TEST_F(Daemon, LaunchesSubmittedRunsASecondDaemonRefusesSigtermStopsTheFirst) {
  fs::path root = project(stamp_asset() + "schedules:\n  six: {cron: '0 */6 * * *', select: [stamp]}\n");
  // A run submitted before: the wall-clock daemon launches it.
  ASSERT_EQ(run_pond({"materialize", "-s", "stamp", "--submit"}, root).exit_code, 0);
  ProcessResult first;
  std::thread t([&] {
    ProcessOptions o;
    o.signal = SIGTERM;
    o.signal_after = std::chrono::milliseconds(5000);
    first = run_pond({"daemon", "--poll", "100"}, root, o);
  });
  std::optional<runstore::DaemonLease> lease;
  for (int i = 0; i < 100 && !lease; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (fs::exists(root / ".pond" / "state.db")) lease = store(root).daemon_lease();
  }
  ASSERT_TRUE(lease) << "the first daemon did not take the lease";
  ProcessResult second = daemon(root, "2026-03-28T00:00", "2026-03-29T00:00");
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_TRUE(contains(
      second.err, "another pond daemon is running on this run store: pid " + std::to_string(*lease->pid)))
      << second.err;
  EXPECT_TRUE(ticks(root, "six").empty()) << "the refused daemon ticked";
  t.join();
  EXPECT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_TRUE(contains(first.out, "pond daemon: stopped")) << first.out;
  EXPECT_FALSE(store(root).daemon_lease()) << "the lease was not released";
  auto submitted = store(root).recent_runs(10);
  ASSERT_EQ(submitted.size(), 1u);
  EXPECT_EQ(submitted[0].status, "success");
  EXPECT_EQ(stamps(root), std::vector<std::string>{submitted[0].run_id});
  // Now a daemon may start.
  EXPECT_EQ(daemon(root, "2026-03-28T00:00", "2026-03-28T01:00").exit_code, 0);
}

TEST_F(Daemon, SigtermCancelsTheRunInProgressAndLeavesNothingHalfRecorded) {
  fs::path root = project(
      "assets:\n  slow:\n    run: [sh, -c, '[ -f fast ] || sleep 30; echo \"$POND_RUN_ID\" >> stamps.log']\n"
      "schedules:\n  hourly: {cron: '@hourly', select: [slow]}\n");
  ProcessOptions o;
  o.signal = SIGTERM;
  o.signal_after = std::chrono::milliseconds(2500);
  ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-28T02:00", o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "pond daemon: stopped")) << r.out;
  EXPECT_LT(r.elapsed.count(), 20000) << "the run in progress was not cancelled";
  runstore::RunStore s = store(root);
  auto runs = s.recent_runs(10);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "cancelled");
  EXPECT_FALSE(s.daemon_lease());
  EXPECT_EQ(ticks(root, "hourly"), (std::map<std::string, std::string>{{"2026-03-28T01:00Z", "submitted"}}));
  // Restarted: the next tick runs; the cancelled tick is not run again.
  write_file(root / "fast", "");
  r = daemon(root, "2026-03-28T00:00", "2026-03-28T02:00");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ticks(root, "hourly").size(), 2u);
  runs = store(root).recent_runs(10);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, "success");
  EXPECT_EQ(stamps(root).size(), 1u);
}

TEST_F(Daemon, SigtermOnTheWallClockCancelsTheLaunchedRun) {
  fs::path root = project("assets:\n  slow:\n    run: [sh, -c, 'sleep 30']\n");
  ASSERT_EQ(run_pond({"materialize", "-s", "slow", "--submit"}, root).exit_code, 0);
  ProcessOptions o;
  o.signal = SIGTERM;
  o.signal_after = std::chrono::milliseconds(2500);
  ProcessResult r = run_pond({"daemon", "--poll", "100"}, root, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(r.elapsed.count(), 20000) << "the run in progress was not cancelled";
  runstore::RunStore s = store(root);
  auto runs = s.recent_runs(10);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "cancelled");
  EXPECT_FALSE(s.daemon_lease());
}

}  // namespace
}  // namespace pond::test
