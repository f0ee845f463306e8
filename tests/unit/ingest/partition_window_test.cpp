// A partition's window as each source takes it: REST parameters in every format, PostgreSQL
// bounds with the time zone's offset (DST included), and a files path filled in.
#include "ingest/partition_window.hpp"

#include <gtest/gtest.h>

namespace pond::ingest {
namespace {

PartitionWindow day(std::int64_t start, const std::string& local_start, std::int64_t end,
                    const std::string& local_end) {
  PartitionWindow w;
  w.key = local_start.substr(0, 10);
  w.start = start;
  w.end = end;
  w.start_local = local_start;
  w.end_local = local_end;
  return w;
}

TEST(PartitionWindow, RestParametersInEachFormat) {
  // 2026-03-02 in UTC: [1772409600, 1772496000).
  PartitionWindow w = day(1772409600, "2026-03-02 00:00:00", 1772496000, "2026-03-03 00:00:00");
  RestWindow r{"since", "until", "", WindowFormat::kIso8601};
  using Params = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(rest_window_params(r, w),
            (Params{{"since", "2026-03-02T00:00:00Z"}, {"until", "2026-03-03T00:00:00Z"}}));
  r.format = WindowFormat::kDate;
  EXPECT_EQ(rest_window_params(r, w), (Params{{"since", "2026-03-02"}, {"until", "2026-03-03"}}));
  r.format = WindowFormat::kUnix;
  EXPECT_EQ(rest_window_params(r, w), (Params{{"since", "1772409600"}, {"until", "1772496000"}}));
  r.format = WindowFormat::kUnixMs;
  r.until_param.clear();
  EXPECT_EQ(rest_window_params(r, w), (Params{{"since", "1772409600000"}}));
  // A static key, and a two-dimensional partition's list key.
  PartitionWindow eu;
  eu.key = eu.list_key = "eu";
  EXPECT_EQ(rest_window_params(RestWindow{"", "", "region", {}}, eu), (Params{{"region", "eu"}}));
  w.list_key = "us";
  w.key = "2026-03-02|us";
  EXPECT_EQ(rest_window_params(RestWindow{"", "", "region", {}}, w), (Params{{"region", "us"}}));
}

TEST(PartitionWindow, PostgresBoundsCarryTheZonesOffset) {
  // Europe/Berlin, 2026-03-29 (the day DST starts: 23 hours): 2026-03-28T23:00Z .. 2026-03-29T22:00Z.
  PartitionWindow w = day(1774738800, "2026-03-29 00:00:00", 1774821600, "2026-03-30 00:00:00");
  EXPECT_EQ(local_with_offset(*w.start, w.start_local), "2026-03-29 00:00:00+01:00");
  EXPECT_EQ(local_with_offset(*w.end, w.end_local), "2026-03-30 00:00:00+02:00");
  EXPECT_EQ(postgres_window_where("\"created_at\"", "", w),
            "\"created_at\" >= '2026-03-29 00:00:00+01:00' AND \"created_at\" < '2026-03-30 00:00:00+02:00'");
  EXPECT_EQ(local_with_offset(0, "1969-12-31 19:00:00"), "1969-12-31 19:00:00-05:00");
  PartitionWindow key;
  key.key = key.list_key = "o'brien";
  EXPECT_EQ(postgres_window_where("\"region\"", "", key), "\"region\" = 'o''brien'");
  w.list_key = "eu";
  EXPECT_EQ(
      postgres_window_where("\"t\"", "\"region\"", w),
      "\"t\" >= '2026-03-29 00:00:00+01:00' AND \"t\" < '2026-03-30 00:00:00+02:00' AND \"region\" = 'eu'");
}

TEST(PartitionWindow, FilesPathsAreFilledIn) {
  PartitionWindow w = day(1772409600, "2026-03-02 00:00:00", 1772496000, "2026-03-03 00:00:00");
  EXPECT_EQ(path_for_partition("landing/{date}/*.csv", w), "landing/2026-03-02/*.csv");
  EXPECT_EQ(path_for_partition("landing/{partition}/{partition}.csv", w),
            "landing/2026-03-02/2026-03-02.csv");
  EXPECT_TRUE(path_has_partition("a/{date}/b"));
  EXPECT_FALSE(path_has_partition("a/{dates}/b*"));
}

}  // namespace
}  // namespace pond::ingest
