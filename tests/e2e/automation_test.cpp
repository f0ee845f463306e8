// Declarative automation (pond.yml `automation:`) in `pond daemon` of the real binary on
// simulated time: `eager` through a 3-level chain (one run per level, none again on later ticks
// or a second pass), `on_missing` filling the gaps of a daily partitioned asset, `on_cron`
// firing once per cron tick, `unless: upstream_checks_failed` blocking a run until the check
// passes; `pond automation explain` shows why an asset did or did not run.
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <sstream>

#include "e2e/mini_project.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

// A command asset that appends "NAME RUN_ID PARTITION" to stamps.log.
std::string stamp(const std::string& name, const std::string& rest) {
  return "  " + name +
         ":\n    run: [sh, -c, 'echo \"$POND_ASSET $POND_RUN_ID ${POND_PARTITION_KEY:--}\" >> "
         "\"$POND_PROJECT_DIR/stamps.log\"']\n" +
         rest;
}

class Automation : public PondTest {
 protected:
  fs::path project(const std::string& pond_yml) {
    fs::path root = dir_ / "mini";
    write_mini_project(root);
    write_file(root / "pond.yml", pond_yml);
    return root;
  }
  ProcessResult daemon(const fs::path& root, const std::string& from, const std::string& until,
                       const std::string& every = "1h") {
    return run_pond(
        {"daemon", "--simulate-from", from, "--simulate-until", until, "--automation-interval", every}, root);
  }
  // Lines of stamps.log: asset -> partitions it ran (in order).
  std::multimap<std::string, std::string> stamps(const fs::path& root) {
    std::multimap<std::string, std::string> out;
    std::istringstream in(fs::exists(root / "stamps.log") ? read_file(root / "stamps.log") : "");
    std::string asset, run, partition;
    while (in >> asset >> run >> partition) out.emplace(asset, partition);
    return out;
  }
  std::vector<std::string> order(const fs::path& root) {
    std::vector<std::string> out;
    std::istringstream in(fs::exists(root / "stamps.log") ? read_file(root / "stamps.log") : "");
    std::string asset, run, partition;
    while (in >> asset >> run >> partition) out.push_back(asset);
    return out;
  }
};

TEST_F(Automation, EagerPropagatesThroughAThreeLevelChainOnceALevel) {
  fs::path root = project("assets:\n" + stamp("a", "    automation: {on_cron: '0 6 * * *'}\n") +
                          stamp("b", "    deps: [a]\n    automation: {eager: true}\n") +
                          stamp("c", "    deps: [b]\n    automation: {eager: true}\n"));
  ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-29T00:00");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // on_cron ran a at 06:00, then eager ran b at the next evaluation and c at the one after.
  EXPECT_EQ(order(root), (std::vector<std::string>{"a", "b", "c"})) << r.out;
  EXPECT_TRUE(contains(r.out, "Automation tick 2026-03-28T06:00Z: run ")) << r.out;
  EXPECT_TRUE(contains(r.out, "Automation tick 2026-03-28T07:00Z: run ")) << r.out;
  EXPECT_TRUE(contains(r.out, "Automation tick 2026-03-28T08:00Z: run ")) << r.out;
  runstore::RunStore s = runstore::RunStore::open(root / ".pond" / "state.db");
  auto runs = s.recent_runs(100);
  ASSERT_EQ(runs.size(), 3u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.trigger, "automation");
    EXPECT_EQ(run.status, "success");
  }

  // Why b ran, and why c did not at 07:00: `pond automation explain`.
  r = run_pond({"automation", "explain", "b", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "2026-03-28T07:00Z,yes,eager,,")) << r.out;
  EXPECT_TRUE(contains(r.out, "eager: upstream a materialized since")) << r.out;
  EXPECT_TRUE(contains(r.out, "2026-03-28T00:00Z,no,,,,eager: no upstream materialized since this asset"))
      << r.out;
  r = run_pond({"automation", "explain", "c"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "c: eager")) << r.out;
  EXPECT_TRUE(contains(r.out, "upstream b materialized since")) << r.out;
  r = run_pond({"automation", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "a,\"on_cron \"\"0 6 * * *\"\"\",2026-03-28T07:00Z,no,")) << r.out;

  // A second pass over the same window runs nothing again.
  r = daemon(root, "2026-03-28T00:00", "2026-03-29T00:00");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(order(root).size(), 3u);
  // The next day: a at its cron tick, then b and c, once each.
  r = daemon(root, "2026-03-29T00:00", "2026-03-30T00:00");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(order(root), (std::vector<std::string>{"a", "b", "c", "a", "b", "c"})) << r.out;

  // Errors: an unknown asset, an asset without automation.
  r = run_pond({"automation", "explain", "cc"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "did you mean 'c'?")) << r.err;
}

TEST_F(Automation, OnMissingFillsTheGapsOfADailyPartitionedAsset) {
  fs::path root = project("partitions:\n  daily: {type: daily, start: 2026-03-01}\nassets:\n" +
                          stamp("events", "    partitions: daily\n    automation: {on_missing: true}\n"));
  for (const char* p : {"2026-03-02", "2026-03-04"}) {
    ProcessResult m = run_pond({"materialize", "-s", "events", "--partition", p}, root);
    ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  }
  ProcessResult r = daemon(root, "2026-03-06T00:30", "2026-03-08T00:30");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The gaps 03-01, 03-03, 03-05 at the first evaluation (one run each), then each new day once.
  std::multimap<std::string, std::string> ran = stamps(root);
  std::multiset<std::string> partitions;
  for (const auto& [asset, p] : ran) partitions.insert(p);
  EXPECT_EQ(partitions, (std::multiset<std::string>{"2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04",
                                                    "2026-03-05", "2026-03-06", "2026-03-07"}))
      << r.out;
  r = run_pond({"automation", "explain", "events", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "yes,on_missing,\"2026-03-01, 2026-03-03, 2026-03-05\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "on_missing: 3 partitions (2026-03-01, 2026-03-03, 2026-03-05) missing"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "on_missing: no partition missing")) << r.out;
  r = run_pond({"status", "-s", "events"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(Automation, OnCronFiresOncePerCronTick) {
  fs::path root = project(
      "assets:\n" + stamp("report", "    automation: {on_cron: '0 */6 * * *', unless: [in_progress]}\n"));
  // Evaluated every 5 minutes for a day: 4 ticks after the first evaluation (06, 12, 18, 00).
  ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-29T00:00", "5m");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(order(root).size(), 4u) << r.out;
  for (const char* t : {"06:00", "12:00", "18:00"})
    EXPECT_TRUE(contains(r.out, std::string("Automation tick 2026-03-28T") + t + "Z: run ")) << r.out;
  EXPECT_TRUE(contains(r.out, "Automation tick 2026-03-29T00:00Z: run ")) << r.out;
}

TEST_F(Automation, UpstreamChecksFailedBlocksUntilTheCheckPasses) {
  fs::path root = project(
      "assets:\n"
      "  a:\n"
      "    run: [sh, -c, 'if [ -f \"$POND_PROJECT_DIR/good\" ]; then p=true; else p=false; fi; "
      "echo \"{\\\"check\\\": \\\"quality\\\", \\\"passed\\\": $p}\" >> \"$POND_PIPES\"']\n"
      "    checks: [quality]\n" +
      stamp("b", "    deps: [a]\n    automation: {eager: true, unless: [upstream_checks_failed]}\n"));
  ProcessResult m = run_pond({"materialize", "-s", "a"}, root);
  auto materialized = [&] {
    int n = 0;
    for (const auto& range : runstore::RunStore::open(root / ".pond" / "state.db").partition_ranges_of("a"))
      n += range.status == "materialized" ? 1 : 0;
    return n;
  };
  ASSERT_EQ(materialized(), 1) << "a is materialized, its check failed: " << m.out << m.err;
  ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-28T03:00");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(order(root).empty()) << r.out;
  r = run_pond({"automation", "explain", "b", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "not run: upstream a's check quality failed (unless: upstream_checks_failed)"))
      << r.out;
  // The check passes on the next materialization: b runs, once.
  write_file(root / "good", "");
  m = run_pond({"materialize", "-s", "a"}, root);
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  r = daemon(root, "2026-03-28T03:00", "2026-03-28T06:00");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(order(root), std::vector<std::string>{"b"}) << r.out;
}

// "YYYY-MM-DDTHH:MM" (UTC) of the wall clock plus `ahead` seconds, at the minute.
std::string utc_minute(std::int64_t ahead) {
  std::time_t t = std::time(nullptr) + ahead;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
  return buf;
}

TEST_F(Automation, FreshnessFlagsALateAssetOnceAnEpisode) {
  fs::path root = project("assets:\n" + stamp("hourly", "    freshness: {max_lag: 6h}\n") +
                          stamp("never", "    freshness: {max_lag: 1s}\n"));
  ProcessResult m = run_pond({"materialize", "-s", "hourly"}, root);
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  // Materialized now (wall clock); the simulated clock runs on from now for 12 hours.
  ProcessResult r = daemon(root, utc_minute(0), utc_minute(12 * 3600));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto count = [](const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(r.out, "Freshness: hourly is late: last materialized "), 1u) << r.out;
  EXPECT_EQ(count(r.out, "Freshness: never is late: never materialized (max_lag 1s)"), 1u) << r.out;
  // The episodes, recorded once: a restarted daemon (the next 2 hours) finds them still late and
  // records nothing more.
  r = daemon(root, utc_minute(12 * 3600), utc_minute(14 * 3600));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(count(r.out, "is late"), 0u) << r.out;
  runstore::RunStore s = runstore::RunStore::open(root / ".pond" / "state.db");
  auto late = s.recent_ticks("freshness:hourly", 10);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].status, "late");
  EXPECT_EQ(s.recent_ticks("freshness:never", 10).size(), 1u);
  // pond status flags the late asset (wall clock: hourly was materialized seconds ago).
  r = run_pond({"status", "-o", "json"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"freshness\": \"late: never materialized (max_lag 1s)\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"freshness\": \"fresh\"")) << r.out;
  r = run_pond({"automation", "explain", "hourly"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "late since")) << r.out;
}

TEST_F(Automation, AnAssetAutomatedTwiceIsRefusedAtItsLine) {
  fs::path root = project("assets:\n" + stamp("a", "    automation: {eager: true}\n") +
                          "automation:\n  - select: [a]\n    on_missing: true\n");
  ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-28T01:00");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "pond.yml:")) << r.err;
  EXPECT_TRUE(contains(r.err, "asset 'a' is automated twice")) << r.err;
}

}  // namespace
}  // namespace pond::test
