#include "common/time.hpp"

#include <gtest/gtest.h>

namespace pond {
namespace {

using std::chrono::seconds;

TEST(ParseDuration, AcceptsUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("7d"), seconds(7 * 86400));
  EXPECT_EQ(parse_duration("12h"), seconds(12 * 3600));
  EXPECT_EQ(parse_duration("30m"), seconds(1800));
  EXPECT_EQ(parse_duration("45s"), seconds(45));
  EXPECT_EQ(parse_duration("1w"), seconds(7 * 86400));
  EXPECT_EQ(parse_duration("1d12h"), seconds(36 * 3600));
  EXPECT_EQ(parse_duration(" 2h "), seconds(7200));
}

TEST(ParseDuration, AcceptsIso8601) {
  EXPECT_EQ(parse_duration("P7D"), seconds(7 * 86400));
  EXPECT_EQ(parse_duration("PT12H"), seconds(12 * 3600));
  EXPECT_EQ(parse_duration("P1DT2H30M"), seconds(86400 + 2 * 3600 + 1800));
  EXPECT_EQ(parse_duration("PT30M"), seconds(1800));
  EXPECT_EQ(parse_duration("P2W"), seconds(14 * 86400));
}

TEST(ParseDuration, RefusesWhatIsNotADuration) {
  for (const char* bad :
       {"", "7", "7days", "yesterday", "abc", "2 days", "2026-13-45", "P", "PT", "1x", "d7", "P1H", "-1d"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(ParseUtcTime, DatesAndTimes) {
  auto t = parse_utc_time("2026-11-01");
  ASSERT_TRUE(t);
  EXPECT_EQ(iso_utc(*t), "2026-11-01T00:00:00.000000Z");
  EXPECT_EQ(iso_utc(*parse_utc_time("2026-11-01 12:30")), "2026-11-01T12:30:00.000000Z");
  EXPECT_EQ(iso_utc(*parse_utc_time("2026-11-01T12:30:05.25Z")), "2026-11-01T12:30:05.250000Z");
  EXPECT_EQ(iso_utc(*parse_utc_time("2026-11-01T12:30:05+02:00")), "2026-11-01T10:30:05.000000Z");
}

TEST(ParseUtcTime, RefusesInvalidDates) {
  for (const char* bad :
       {"2026-13-45", "2026-02-30", "2026-1-1", "yesterday", "2026-11-01 25:00", "2026-11-01x"})
    EXPECT_FALSE(parse_utc_time(bad).has_value()) << bad;
}

TEST(Timestamps, Formats) {
  auto t = *parse_utc_time("2026-01-02 03:04:05.000006");
  EXPECT_EQ(iso_utc(t), "2026-01-02T03:04:05.000006Z");
  EXPECT_EQ(sql_utc(t), "2026-01-02 03:04:05.000006+00");
}

}  // namespace
}  // namespace pond
