// Schedule ticks across DST changes: exact tick lists for three simulated days, as the issue's
// proof asks (daily and hourly, spring forward and fall back).
#include "automation/schedule_ticks.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "orchestrate/config.hpp"

namespace pond::automation {
namespace {

EpochSeconds utc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi), 5) << text;
  date::sys_seconds t =
      date::sys_days{date::year{y} / mo / d} + std::chrono::hours(h) + std::chrono::minutes(mi);
  return t.time_since_epoch().count();
}

std::vector<std::string> texts(const ScheduleTicks& s, const std::vector<EpochSeconds>& ticks) {
  std::vector<std::string> out;
  for (auto t : ticks) out.push_back(s.local_text(t));
  return out;
}

TEST(ScheduleTicks, DailyAcrossSpringForwardRunsAtTheEndOfTheGap) {
  ScheduleTicks s("30 2 * * *", "Europe/Berlin");  // 2026-03-29 02:00 CET -> 03:00 CEST
  auto ticks = s.between(utc("2026-03-27T12:00"), utc("2026-03-30T12:00"));
  EXPECT_EQ(texts(s, ticks), (std::vector<std::string>{"2026-03-28 02:30 CET", "2026-03-29 03:00 CEST",
                                                       "2026-03-30 02:30 CEST"}));
  EXPECT_EQ(ticks[1], utc("2026-03-29T01:00"));
}

TEST(ScheduleTicks, DailyAcrossFallBackRunsOnce) {
  ScheduleTicks s("30 2 * * *", "Europe/Berlin");  // 2026-10-25 03:00 CEST -> 02:00 CET
  auto ticks = s.between(utc("2026-10-23T12:00"), utc("2026-10-26T12:00"));
  EXPECT_EQ(texts(s, ticks), (std::vector<std::string>{"2026-10-24 02:30 CEST", "2026-10-25 02:30 CEST",
                                                       "2026-10-26 02:30 CET"}));
}

TEST(ScheduleTicks, HourlyFollowsRealHoursAcrossBothChanges) {
  ScheduleTicks s("@hourly", "Europe/Berlin");
  // Three days around spring forward: 72 real hours, 72 ticks, each an hour apart.
  auto spring = s.between(utc("2026-03-28T00:00"), utc("2026-03-31T00:00"));
  ASSERT_EQ(spring.size(), 72u);
  for (std::size_t i = 1; i < spring.size(); ++i) EXPECT_EQ(spring[i] - spring[i - 1], 3600) << i;
  // 02:00 local does not exist on the 29th: 01:00 CET is followed by 03:00 CEST.
  auto at = std::find(spring.begin(), spring.end(), utc("2026-03-29T00:00"));
  ASSERT_NE(at, spring.end());
  EXPECT_EQ(s.local_text(*at), "2026-03-29 01:00 CET");
  EXPECT_EQ(s.local_text(*(at + 1)), "2026-03-29 03:00 CEST");
  // Fall back: 02:00 local comes twice, both tick.
  auto fall = s.between(utc("2026-10-24T00:00"), utc("2026-10-27T00:00"));
  ASSERT_EQ(fall.size(), 72u);
  for (std::size_t i = 1; i < fall.size(); ++i) EXPECT_EQ(fall[i] - fall[i - 1], 3600) << i;
  std::vector<std::string> local = texts(s, fall);
  EXPECT_EQ(std::count(local.begin(), local.end(), "2026-10-25 02:00 CEST"), 1);
  EXPECT_EQ(std::count(local.begin(), local.end(), "2026-10-25 02:00 CET"), 1);
}

TEST(ScheduleTicks, HourlyAtHalfPastSkipsTheMissingWallTime) {
  ScheduleTicks s("30 * * * *", "America/New_York");  // 2026-03-08 02:00 EST -> 03:00 EDT
  auto ticks = s.between(utc("2026-03-08T05:00"), utc("2026-03-08T09:00"));
  EXPECT_EQ(texts(s, ticks), (std::vector<std::string>{"2026-03-08 00:30 EST", "2026-03-08 01:30 EST",
                                                       "2026-03-08 03:30 EDT", "2026-03-08 04:30 EDT"}));
}

TEST(ScheduleTicks, NextAfterIsStrictlyAfterAndUtcIsPlain) {
  ScheduleTicks s("0 6 * * 1-5", "UTC");
  EXPECT_EQ(s.next_after(utc("2026-12-04T06:00")), utc("2026-12-07T06:00"));  // Friday -> Monday
  EXPECT_EQ(s.next_after(utc("2026-12-07T05:59")), utc("2026-12-07T06:00"));
}

TEST(ScheduleTicks, BadCronAndUnknownZoneAreClearErrors) {
  EXPECT_THROW(ScheduleTicks("61 * * * *", "UTC"), std::invalid_argument);
  try {
    ScheduleTicks("@daily", "Europe/Amsterdm");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'Europe/Amsterdam'"), std::string::npos) << e.what();
  }
}

TEST(ScheduleTicks, PartitionedScheduleRunsTheWindowItsTickCloses) {
  orchestrate::PondConfig config = orchestrate::parse_pond_config(
      "partitions:\n  daily:\n    type: daily\n    start: 2026-01-01\n    timezone: Europe/Berlin\n"
      "schedules:\n  nightly:\n    cron: '0 1 * * *'\n    timezone: Europe/Berlin\n    partitions: daily\n",
      "pond.yml");
  ASSERT_EQ(config.schedules.size(), 1u);
  auto ticks = schedule_ticks(config, config.schedules[0], utc("2026-03-28T00:00"), utc("2026-03-31T00:00"));
  ASSERT_EQ(ticks.size(), 3u);
  // 01:00 CET on the 28th is 00:00Z, not after `from`: the ticks are the 29th, 30th and 31st.
  EXPECT_EQ(ticks[0].at, utc("2026-03-29T00:00"));
  EXPECT_EQ(ticks[0].partition, "2026-03-28");
  EXPECT_EQ(ticks[1].partition, "2026-03-29");  // the 23-hour day, closed at 01:00 CEST
  EXPECT_EQ(ticks[1].at, utc("2026-03-29T23:00"));
  EXPECT_EQ(ticks[2].partition, "2026-03-30");
}

}  // namespace
}  // namespace pond::automation
