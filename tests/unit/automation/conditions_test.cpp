// Declarative automation's conditions on a small graph of command assets (a -> b -> c, and a
// daily partitioned asset), against run-store snapshots made by hand: what each condition
// requests and why, and the modifiers that veto it.
#include "automation/conditions.hpp"

#include <gtest/gtest.h>

#include "common/time.hpp"
#include "orchestrate/asset_graph.hpp"
#include "orchestrate/config.hpp"

namespace pond::automation {

namespace {

using orchestrate::PartitionSubset;

EpochSeconds at(const std::string& utc) {
  auto t = parse_utc_time(utc);
  EXPECT_TRUE(t) << utc;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

const char* kPondYml = R"yml(
partitions:
  daily: {type: daily, start: 2026-03-01}
assets:
  a: {run: "true"}
  b: {run: "true", deps: [a], automation: {eager: true}}
  c: {run: "true", deps: [b], automation: {eager: true, unless: [upstream_checks_failed]}}
  events: {run: "true", partitions: daily, automation: {on_missing: true}}
  report: {run: "true", deps: [a], automation: {on_cron: "0 6 * * *", unless: in_progress}}
  latest: {run: "true", partitions: daily, automation: {on_missing: true, latest_time_window_only: true}}
)yml";

class Conditions : public ::testing::Test {
 protected:
  Conditions()
      : config(orchestrate::parse_pond_config(kPondYml, "/tmp/project/pond.yml")),
        graph(nullptr, nullptr, config, {}) {}

  std::size_t asset(const std::string& name) { return *graph.find(name); }
  const orchestrate::AutomationConfig& automation(const std::string& name) {
    return *graph.node(asset(name)).command->automation;
  }
  void materialized(const std::string& key, const std::string& ts, std::int64_t start = 0,
                    std::int64_t end = 1, const std::string& status = "materialized") {
    snapshot.ranges[key].push_back({key, "", start, end, status, "run-" + ts, ts, ""});
  }
  Verdict eval(const std::string& name, EpochSeconds now, std::optional<EpochSeconds> cursor = std::nullopt) {
    ConditionInputs in{graph, snapshot, progress, now};
    return evaluate_conditions(in, asset(name), automation(name), cursor);
  }

  orchestrate::PondConfig config;
  orchestrate::AssetGraph graph;
  orchestrate::StoreSnapshot snapshot;
  std::map<std::string, PartitionSubset> progress;
  EpochSeconds now = at("2026-03-06T12:00");
};

TEST_F(Conditions, EagerFollowsTheUpstreamOneLevelAtATime) {
  Verdict b = eval("b", now);
  EXPECT_FALSE(b.requested);
  EXPECT_EQ(b.reason, "eager: no upstream materialized since this asset");
  materialized("a", "2026-03-06T10:00:00Z");
  b = eval("b", now);
  EXPECT_TRUE(b.requested);
  EXPECT_EQ(b.condition, "eager");
  EXPECT_EQ(b.reason, "eager: upstream a materialized since (latest 2026-03-06T10:00:00Z)");
  EXPECT_FALSE(eval("c", now).requested) << "b has not been materialized since";
  // b in progress: not requested again.
  progress["b"][""].add(0, 1);
  b = eval("b", now);
  EXPECT_FALSE(b.requested);
  EXPECT_NE(b.reason.find("but it is in progress"), std::string::npos) << b.reason;
  // ... and c waits for its upstream.
  materialized("b", "2026-03-06T09:00:00Z");
  Verdict c = eval("c", now);
  EXPECT_FALSE(c.requested);
  EXPECT_NE(c.reason.find("upstream b is in progress"), std::string::npos) << c.reason;
  progress.clear();
  snapshot.ranges["b"].clear();
  materialized("b", "2026-03-06T10:05:00Z");
  EXPECT_FALSE(eval("b", now).requested) << "materialized after a";
  EXPECT_TRUE(eval("c", now).requested);
  materialized("c", "2026-03-06T10:06:00Z");
  EXPECT_FALSE(eval("c", now).requested);
}

TEST_F(Conditions, UpstreamChecksFailedVetoes) {
  materialized("b", "2026-03-06T10:00:00Z");
  runstore::CheckRecord check;
  check.asset_key = "b";
  check.check_name = "not_null_id";
  check.status = "fail";
  snapshot.checks["b"].push_back(check);
  Verdict c = eval("c", now);
  EXPECT_FALSE(c.requested);
  EXPECT_NE(c.reason.find("not run: upstream b's check not_null_id failed (unless: upstream_checks_failed)"),
            std::string::npos)
      << c.reason;
  snapshot.checks["b"][0].status = "pass";
  EXPECT_TRUE(eval("c", now).requested);
}

TEST_F(Conditions, OnMissingRequestsTheGapsThatAreNotInProgress) {
  // Partitions 03-01 .. 03-05 exist at 03-06 12:00 (03-06 has not ended).
  const EpochSeconds d1 = at("2026-03-01"), d2 = at("2026-03-02"), d3 = at("2026-03-03"),
                     d4 = at("2026-03-04"), d6 = at("2026-03-06");
  materialized("events", "2026-03-06T01:00:00Z", d1, d2);
  materialized("events", "2026-03-06T01:00:00Z", d3, d4, "failed");
  Verdict v = eval("events", now);
  ASSERT_TRUE(v.requested);
  EXPECT_EQ(v.condition, "on_missing");
  PartitionSubset want;
  want[""].add(d2, d3);
  want[""].add(d4, d6);
  EXPECT_EQ(v.partitions, want);
  EXPECT_NE(v.reason.find("3 partitions (2026-03-02, 2026-03-04...2026-03-05) missing"), std::string::npos)
      << v.reason;
  EXPECT_NE(v.reason.find("1 failed partition is left to pond backfill --mode failed"), std::string::npos)
      << v.reason;
  progress["events"][""].add(d4, d6);
  v = eval("events", now);
  want[""] = orchestrate::IntervalSet(d2, d3);
  EXPECT_EQ(v.partitions, want);
  materialized("events", "2026-03-06T02:00:00Z", d2, d3);
  v = eval("events", now);
  EXPECT_FALSE(v.requested) << v.reason;
}

TEST_F(Conditions, LatestTimeWindowOnly) {
  Verdict v = eval("latest", now);
  ASSERT_TRUE(v.requested);
  PartitionSubset want{{"", orchestrate::IntervalSet(at("2026-03-05"), at("2026-03-06"))}};
  EXPECT_EQ(v.partitions, want);
}

TEST_F(Conditions, OnCronFiresOncePerTick) {
  // First evaluation: starts at now, requests nothing.
  Verdict v = eval("report", now);
  EXPECT_FALSE(v.requested);
  ASSERT_TRUE(v.cron_cursor);
  EXPECT_EQ(*v.cron_cursor, now);
  EXPECT_NE(v.reason.find("the next tick is 2026-03-07T06:00Z"), std::string::npos) << v.reason;
  EXPECT_FALSE(eval("report", at("2026-03-07T05:59"), now).requested);
  v = eval("report", at("2026-03-07T06:00"), now);
  ASSERT_TRUE(v.requested);
  EXPECT_EQ(v.condition, "on_cron");
  EXPECT_EQ(*v.cron_cursor, at("2026-03-07T06:00"));
  // Handled: not again until the next tick.
  EXPECT_FALSE(eval("report", at("2026-03-07T18:00"), at("2026-03-07T06:00")).requested);
  // unless: in_progress keeps the tick pending while a run of it is in progress.
  progress["report"][""].add(0, 1);
  v = eval("report", at("2026-03-08T06:00"), at("2026-03-07T06:00"));
  EXPECT_FALSE(v.requested);
  EXPECT_FALSE(v.cron_cursor) << "the tick stays pending";
  EXPECT_NE(v.reason.find("in progress (unless: in_progress)"), std::string::npos) << v.reason;
  progress.clear();
  EXPECT_TRUE(eval("report", at("2026-03-08T06:01"), at("2026-03-07T06:00")).requested);
}

TEST(AutomationConfig, BadInputIsAnErrorAtItsLine) {
  auto fails = [](const std::string& yml, const std::string& expected) {
    try {
      orchestrate::parse_pond_config(yml, "/tmp/p/pond.yml");
      ADD_FAILURE() << "accepted: " << yml;
    } catch (const UserError& e) {
      EXPECT_NE(e.message().find(expected), std::string::npos) << e.message();
      ASSERT_TRUE(e.where());
      EXPECT_GT(e.where()->line, 0);
    }
  };
  fails("assets:\n  a:\n    run: x\n    automation: {eagre: true}\n", "unknown key 'eagre'");
  fails("assets:\n  a:\n    run: x\n    automation: {}\n", "needs a condition");
  fails("assets:\n  a:\n    run: x\n    automation: {eager: true, unless: [inprogress]}\n",
        "unknown modifier 'inprogress'");
  fails("assets:\n  a:\n    run: x\n    automation: {on_cron: \"61 * * * *\"}\n", "bad cron");
  fails("automation:\n  - {eager: true}\n", "needs 'select:'");
  fails("automation:\n  select: a\n", "must be a list");
}

}  // namespace

}  // namespace pond::automation
