#include "orchestrate/partitions.hpp"

#include <gtest/gtest.h>

#include "orchestrate/config.hpp"
#include "orchestrate/interval_set.hpp"
#include "orchestrate/mapping.hpp"

namespace pond::orchestrate {

namespace {

constexpr EpochSeconds kJan1 = 1704067200;  // 2024-01-01T00:00:00Z
constexpr EpochSeconds kDay = 86400;

struct Defs {
  PondConfig config;
  std::vector<std::unique_ptr<PartitionsDefinition>> defs;
  explicit Defs(const std::string& yaml, std::map<std::string, std::vector<std::string>> dynamic = {}) {
    config = parse_pond_config(yaml, "pond.yml");
    for (const auto& p : config.partitions)
      defs.push_back(std::make_unique<PartitionsDefinition>(p, config, dynamic));
  }
  const PartitionsDefinition& operator[](const std::string& name) const {
    for (const auto& d : defs)
      if (d->name() == name) return *d;
    throw std::out_of_range(name);
  }
};

const char* kYaml = R"(
partitions:
  daily: {type: daily, start: 2024-01-01}
  hourly: {type: hourly, start: 2024-01-01-00:00}
  region: {type: static, values: [eu, us, apac]}
  customers: {type: dynamic}
  daily_region: {type: multi, dimensions: {date: daily, region: region}}
)";

}  // namespace

TEST(IntervalSet, AddMergesSubtractSplitsIntersect) {
  IntervalSet s;
  s.add(10, 20);
  s.add(30, 40);
  s.add(20, 25);  // touches: merges
  ASSERT_EQ(s.parts().size(), 2u);
  EXPECT_EQ(s.parts()[0], (Interval{10, 25}));
  s.add(0, 100);
  ASSERT_EQ(s.parts().size(), 1u);
  s.subtract(IntervalSet(40, 50));
  ASSERT_EQ(s.parts().size(), 2u);
  EXPECT_EQ(s.parts()[1], (Interval{50, 100}));
  EXPECT_TRUE(s.contains(0, 40));
  EXPECT_FALSE(s.contains(39, 41));
  EXPECT_TRUE(s.overlaps(39, 41));
  EXPECT_FALSE(s.overlaps(40, 50));
  IntervalSet i = s.intersect(IntervalSet(30, 60));
  ASSERT_EQ(i.parts().size(), 2u);
  EXPECT_EQ(i.parts()[0], (Interval{30, 40}));
  EXPECT_EQ(i.parts()[1], (Interval{50, 60}));
}

TEST(Partitions, TimeKeysRangesAndCounts) {
  Defs d(kYaml);
  const auto& daily = d["daily"];
  EpochSeconds now = kJan1 + 31 * kDay + 100;  // 2024-02-01 00:01:40
  auto all = daily.all(now);
  EXPECT_EQ(daily.count(all), 31);
  PartitionScope s = daily.parse_key("2024-01-05", now);
  EXPECT_EQ(s.span.start, kJan1 + 4 * kDay);
  EXPECT_EQ(s.span.end, kJan1 + 5 * kDay);
  EXPECT_THROW(daily.parse_key("2024-02-01", now), UserError);  // not ended yet
  EXPECT_THROW(daily.parse_key("2023-12-31", now), UserError);  // before the start
  auto r = daily.parse_range("2024-01-10", "2024-01-19", now);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(daily.count_span(r[0].span), 10);
  EXPECT_EQ(describe_scope(daily, r[0]), "2024-01-10...2024-01-19");
  auto chunks = daily.chunk(r[0], 4);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(daily.count_span(chunks[2].span), 2);
  auto latest = daily.latest(now);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(describe_scope(daily, latest[0]), "2024-01-31");
}

TEST(Partitions, StaticDynamicAndTwoDimensions) {
  Defs d(kYaml, {{"customers", {"acme", "globex"}}});
  EpochSeconds now = kJan1 + 3 * kDay;
  const auto& region = d["region"];
  EXPECT_EQ(region.count(region.all(now)), 3);
  EXPECT_EQ(region.parse_key("us", now).list_key, "us");
  try {
    region.parse_key("usa", now);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'us'?"), std::string::npos) << e.what();
  }
  const auto& customers = d["customers"];
  EXPECT_EQ(customers.count(customers.all(now)), 2);
  try {
    customers.parse_key("initech", now);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("pond partitions add customers initech"), std::string::npos)
        << e.what();
  }
  const auto& multi = d["daily_region"];
  EXPECT_EQ(multi.count(multi.all(now)), 9);
  // Keys put the dimensions in name order: date|region.
  PartitionScope s = multi.parse_key("2024-01-02|eu", now);
  EXPECT_EQ(s.list_key, "eu");
  EXPECT_EQ(s.span.start, kJan1 + kDay);
  EXPECT_EQ(multi.key("us", 1), "2024-01-02|us");
  EXPECT_EQ(multi.parse_range("2024-01-01", "2024-01-02", now).size(), 3u);
  EXPECT_EQ(multi.parse_range("2024-01-01|us", "2024-01-02|us", now).size(), 1u);
}

TEST(Partitions, TimeWindowMappingAcrossGrains) {
  Defs d(kYaml);
  EpochSeconds now = kJan1 + 10 * kDay;
  const auto& daily = d["daily"];
  const auto& hourly = d["hourly"];
  MappingConfig m;
  m.type = MappingConfig::Type::kTimeWindow;
  // A day reads its 24 hours.
  PartitionScope day = daily.parse_key("2024-01-03", now);
  auto up = map_upstream(m, &hourly, &daily, day, now);
  EXPECT_EQ(hourly.count(up), 24);
  // An hour is read by its day.
  PartitionScope hour = hourly.parse_key("2024-01-03-05:00", now);
  auto down = map_downstream(m, &hourly, &daily, hour, now);
  EXPECT_EQ(daily.count(down), 1);
  EXPECT_EQ(down.at("").parts()[0].start, day.span.start);
  // The previous day too.
  m.start_offset = -1;
  auto both = map_upstream(m, &daily, &daily, day, now);
  EXPECT_EQ(daily.count(both), 2);
  MappingConfig all;
  all.type = MappingConfig::Type::kAll;
  EXPECT_EQ(daily.count(map_upstream(all, &daily, nullptr, PartitionScope{}, now)), 10);
}

}  // namespace pond::orchestrate
