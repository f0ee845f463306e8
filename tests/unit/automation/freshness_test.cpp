// Freshness policies: when an asset is late by `max_lag` alone or by a cron deadline, since
// when (the key of its episode), and why; pond.yml errors.
#include "automation/freshness.hpp"

#include <gtest/gtest.h>

#include "common/time.hpp"

namespace pond::automation {

namespace {

EpochSeconds at(const std::string& utc) {
  auto t = parse_utc_time(utc);
  EXPECT_TRUE(t) << utc;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

orchestrate::FreshnessConfig policy(std::chrono::seconds lag, const std::string& deadline = "",
                                    const std::string& tz = "UTC") {
  orchestrate::FreshnessConfig p;
  p.max_lag = lag;
  p.deadline = deadline;
  p.timezone = tz;
  return p;
}

TEST(Freshness, MaxLag) {
  auto p = policy(std::chrono::hours(6));
  const EpochSeconds last = at("2026-03-28T00:00");
  EXPECT_FALSE(lateness(p, last, at("2026-03-28T06:00")).late) << "exactly max_lag old is on time";
  Lateness l = lateness(p, last, at("2026-03-28T07:30"));
  EXPECT_TRUE(l.late);
  EXPECT_EQ(l.late_since, at("2026-03-28T06:00"));
  EXPECT_EQ(l.reason, "last materialized 7h30m ago (max_lag 6h)");
  l = lateness(p, std::nullopt, at("2026-03-28T07:30"));
  EXPECT_TRUE(l.late);
  EXPECT_EQ(l.late_since, 0);
  EXPECT_EQ(l.reason, "never materialized (max_lag 6h)");
}

TEST(Freshness, CronDeadline) {
  // By 09:00 Berlin time each day, data from the 2 hours before.
  auto p = policy(std::chrono::hours(2), "0 9 * * *", "Europe/Berlin");
  // 2026-03-28 09:00 CET = 08:00Z; the 29th (CEST) 09:00 = 07:00Z.
  EXPECT_FALSE(lateness(p, at("2026-03-28T06:30"), at("2026-03-28T07:59")).late) << "before the deadline";
  Lateness l = lateness(p, at("2026-03-28T05:59"), at("2026-03-28T08:00"));
  EXPECT_TRUE(l.late);
  EXPECT_EQ(l.late_since, at("2026-03-28T08:00"));
  EXPECT_EQ(l.reason,
            "not materialized in the 2h before the deadline 2026-03-28T08:00Z (last materialized "
            "2026-03-28T05:59Z)");
  EXPECT_FALSE(lateness(p, at("2026-03-28T06:00"), at("2026-03-28T20:00")).late);
  l = lateness(p, at("2026-03-28T06:00"), at("2026-03-29T07:00"));
  EXPECT_TRUE(l.late) << "the next deadline, across the DST change";
  EXPECT_EQ(l.late_since, at("2026-03-29T07:00"));
}

TEST(Freshness, BadInputIsAnErrorAtItsLine) {
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
  fails("assets:\n  a:\n    run: x\n    freshness: {}\n", "needs 'max_lag:'");
  fails("assets:\n  a:\n    run: x\n    freshness: {max_lag: 6 hours}\n", "must be a duration");
  fails("assets:\n  a:\n    run: x\n    freshness: {max_lag: 6h, maxlag: 1h}\n", "unknown key 'maxlag'");
  fails("assets:\n  a:\n    run: x\n    freshness: {max_lag: 6h, deadline: '0 25 * * *'}\n", "bad cron");
  fails("assets:\n  a:\n    run: x\n    freshness: {max_lag: 6h, timezone: UTC}\n", "belongs to 'deadline:'");
  fails("freshness:\n  - {max_lag: 6h}\n", "needs 'select:'");
}

}  // namespace

}  // namespace pond::automation
