#include "orchestrate/time_windows.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace pond::orchestrate {

namespace {

TimeWindows::Spec spec(TimeWindows::Grain g, std::string start, std::string tz = "UTC") {
  TimeWindows::Spec s;
  s.grain = g;
  s.start = std::move(start);
  s.timezone = std::move(tz);
  return s;
}

constexpr EpochSeconds kJan1_2024 = 1704067200;  // 2024-01-01T00:00:00Z

}  // namespace

TEST(TimeWindows, DailyInUtc) {
  TimeWindows t(spec(TimeWindows::Grain::kDaily, "2024-01-01"));
  EXPECT_EQ(t.tick(0), kJan1_2024);
  EXPECT_EQ(t.tick(1), kJan1_2024 + 86400);
  EXPECT_EQ(t.key(0), "2024-01-01");
  EXPECT_EQ(t.key(31), "2024-02-01");
  EXPECT_EQ(t.index_at(kJan1_2024 + 86400 * 2 + 5), 2);
  EXPECT_EQ(t.parse_key("2024-03-01"), 60);  // 2024 is a leap year
  EXPECT_FALSE(t.parse_key("2024-13-01"));
  EXPECT_FALSE(t.parse_key("2024-01-01-05:00"));
  // Windows that have ended: at 2024-01-03 10:00 two days exist.
  EXPECT_EQ(t.count(kJan1_2024 + 2 * 86400 + 36000), 2);
  EXPECT_EQ(t.count(kJan1_2024 - 1), 0);
}

TEST(TimeWindows, DailyAcrossDstIsWallClock) {
  // Amsterdam: 2024-03-31 has 23 hours, 2024-10-27 has 25.
  TimeWindows t(spec(TimeWindows::Grain::kDaily, "2024-03-30", "Europe/Amsterdam"));
  EXPECT_EQ(t.window(0).end - t.window(0).start, 86400);
  EXPECT_EQ(t.window(1).end - t.window(1).start, 23 * 3600);
  EXPECT_EQ(t.key(1), "2024-03-31");
  EXPECT_EQ(t.tick(0), 1711753200);  // 2024-03-30T00:00+01:00
  auto i = t.parse_key("2024-10-27");
  ASSERT_TRUE(i);
  EXPECT_EQ(t.window(*i).end - t.window(*i).start, 25 * 3600);
  EXPECT_EQ(t.local_text(t.tick(*i)), "2024-10-27 00:00:00");
  EXPECT_EQ(t.index_at(t.tick(*i) + 24 * 3600 + 1800), *i);  // 23:30 local is still that day
}

TEST(TimeWindows, HourlyKeysCarryTheOffsetWhereHoursRepeat) {
  TimeWindows t(spec(TimeWindows::Grain::kHourly, "2024-10-27 00:00", "Europe/Amsterdam"));
  // 02:00 local happens twice: keys differ by their offsets.
  EXPECT_EQ(t.key(2), "2024-10-27-02:00+0200");
  EXPECT_EQ(t.key(3), "2024-10-27-02:00+0100");
  EXPECT_EQ(t.key(4), "2024-10-27-03:00+0100");
  EXPECT_EQ(t.parse_key("2024-10-27-02:00+0100"), 3);
  EXPECT_EQ(t.parse_key("2024-10-27-03:00+0100"), 4);
  TimeWindows utc(spec(TimeWindows::Grain::kHourly, "2024-01-01-00:00"));
  EXPECT_EQ(utc.key(25), "2024-01-02-01:00");
  EXPECT_EQ(utc.parse_key("2024-01-02-01:00"), 25);
}

TEST(TimeWindows, WeeklyAndMonthly) {
  auto w = spec(TimeWindows::Grain::kWeekly, "2024-01-01");  // a Monday; weeks start on Sunday
  TimeWindows weekly(w);
  EXPECT_EQ(weekly.key(0), "2024-01-07");
  EXPECT_EQ(weekly.key(1), "2024-01-14");
  auto m = spec(TimeWindows::Grain::kMonthly, "2024-01-15");
  m.day_offset = 1;
  TimeWindows monthly(m);
  EXPECT_EQ(monthly.key(0), "2024-02-01");
  EXPECT_EQ(monthly.key(11), "2025-01-01");
  EXPECT_EQ(monthly.parse_key("2024-05-01"), 3);
  EXPECT_EQ(monthly.window(0).end - monthly.window(0).start, 29 * 86400);
}

TEST(TimeWindows, CronSchedules) {
  auto c = spec(TimeWindows::Grain::kCron, "2024-01-01");
  c.cron = "0 */6 * * 1-5";  // every 6 hours on weekdays
  TimeWindows t(c);
  EXPECT_EQ(t.key(0), "2024-01-01-00:00");
  EXPECT_EQ(t.key(3), "2024-01-01-18:00");
  EXPECT_EQ(t.key(20), "2024-01-08-00:00");  // Friday 18:00 is followed by Monday
  EXPECT_EQ(t.parse_key("2024-01-08-00:00"), 20);
  EXPECT_EQ(t.index_at(t.tick(20) + 100), 20);
  c.cron = "0 25 * * *";
  EXPECT_THROW(TimeWindows bad(c), std::invalid_argument);
  c.cron = "0 0 * *";
  EXPECT_THROW(TimeWindows bad(c), std::invalid_argument);
}

TEST(TimeWindows, BadTimeZoneSuggestsAName) {
  try {
    TimeWindows t(spec(TimeWindows::Grain::kDaily, "2024-01-01", "Europe/Amsterdan"));
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Europe/Amsterdam"), std::string::npos) << e.what();
  }
}

TEST(TimeWindows, EndAndEndOffset) {
  auto s = spec(TimeWindows::Grain::kDaily, "2024-01-01");
  s.end = "2024-01-11";
  TimeWindows t(s);
  EXPECT_EQ(t.count(kJan1_2024 + 86400 * 400), 10);
  s.end.clear();
  s.end_offset = 1;  // the window in progress counts too
  TimeWindows open(s);
  EXPECT_EQ(open.count(kJan1_2024 + 3600), 1);
}

}  // namespace pond::orchestrate
