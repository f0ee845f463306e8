// Microbatch models end to end: per-batch rendering (refs to upstreams with an event_time read
// only the batch's rows, model.batch), first run from begin, an incremental run with lookback,
// an explicit --event-time-start/--event-time-end backfill, and a failing batch.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pond_runner.hpp"

namespace pond::test {

namespace {

std::string query(const std::filesystem::path& root, const std::string& sql) {
  ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv", "--limit", "100"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto nl = r.out.find('\n');
  if (nl == std::string::npos) return "";
  std::string v = r.out.substr(nl + 1);
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// Today's date (UTC) moved by `offset` days, as YYYY-MM-DD.
std::string day(int offset) {
  using namespace std::chrono;
  year_month_day d{floor<days>(system_clock::now()) + days{offset}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::string compact(std::string d) {
  std::erase(d, '-');
  return d;
}

nlohmann::json result_of(const std::filesystem::path& root, const std::string& id) {
  std::ifstream in(root / "target" / "run_results.json");
  nlohmann::json j = nlohmann::json::parse(in);
  for (const auto& r : j["results"])
    if (r["unique_id"] == id) return r;
  return nullptr;
}

class MicrobatchTest : public PondTest {
 protected:
  void SetUp() override {
    // Its own small project on a DuckDB file (the example project may target a lake).
    root_ = dir_ / "mb";
    write(root_ / "dbt_project.yml",
          "name: 'shop'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'shop'\n"
          "model-paths: ['models']\nseed-paths: ['seeds']\n");
    write(root_ / "profiles.yml",
          "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n"
          "      threads: 2\n");
    write(root_ / "models" / "events.sql",
          "{{ config(materialized='table', event_time='ts') }}\nselect * from {{ ref('raw_events') }}\n");
    // in_batch counts the upstream rows the batch sees (filtered: it has an event_time);
    // total counts the seed's rows (not filtered: no event_time).
    write(root_ / "models" / "daily_events.sql",
          "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts',\n"
          "          batch_size='day', lookback=1, begin='" +
              day(-4) +
              "') }}\n"
              "select id, ts, amount, '{{ model.batch.id }}' as batch_id,\n"
              "  (select count(*) from {{ ref('events') }}) as in_batch,\n"
              "  (select count(*) from {{ ref('raw_events') }}) as total\n"
              "from {{ ref('events') }}\n");
  }

  // rows: id, day offset, hour, amount
  void seed(const std::vector<std::tuple<int, int, int, int>>& rows) {
    std::string csv = "id,ts,amount\n";
    for (auto [id, d, h, amount] : rows) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%d,%s %02d:00:00,%d\n", id, day(d).c_str(), h, amount);
      csv += buf;
    }
    write(root_ / "seeds" / "raw_events.csv", csv);
    ProcessResult r = run_pond({"seed", "-s", "raw_events"}, root_);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  std::string table() {
    return query(
        root_,
        "select string_agg(id || ':' || amount || ':' || batch_id || ':' || in_batch || ':' || total, ' ' "
        "order by id) from main.daily_events");
  }

  std::filesystem::path root_;
};

}  // namespace

TEST_F(MicrobatchTest, FirstRunIncrementalRunWithLookbackAndBackfill) {
  seed({{1, -4, 10, 1}, {2, -4, 23, 2}, {3, -3, 0, 3}, {4, -2, 12, 4}, {5, -1, 12, 5}, {6, 0, 0, 6}});
  ProcessResult r = run_pond({"run", "-s", "events", "daily_events"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "sql microbatch model main.daily_events")) << r.out;
  // First run: one batch per day from begin to today; each batch saw only its own day's events.
  const std::string d4 = compact(day(-4)), d3 = compact(day(-3)), d2 = compact(day(-2)),
                    d1 = compact(day(-1)), d0 = compact(day(0));
  EXPECT_EQ(table(), "1:1:" + d4 + ":2:6 2:2:" + d4 + ":2:6 3:3:" + d3 + ":1:6 4:4:" + d2 + ":1:6 5:5:" + d1 +
                         ":1:6 6:6:" + d0 + ":1:6");
  nlohmann::json res = result_of(root_, "model.shop.daily_events");
  ASSERT_FALSE(res.is_null());
  EXPECT_EQ(res["status"], "success");
  EXPECT_EQ(res["batch_results"]["successful"].size(), 5u);
  // The executed SQL shows the upstream filtered to the batch window.
  std::ifstream run_sql(root_ / "target" / "run" / "shop" / "models" / "daily_events.sql");
  std::string executed((std::istreambuf_iterator<char>(run_sql)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(executed, "where \"ts\" >= TIMESTAMP '" + day(-4) +
                                     " 00:00:00' and \"ts\" < TIMESTAMP '" + day(-3) + " 00:00:00'"))
      << executed;

  // New data everywhere; an incremental run replaces only yesterday's and today's batches
  // (lookback 1): older rows keep their old values, the late row of three days ago is not seen.
  seed({{1, -4, 10, 10},
        {2, -4, 23, 20},
        {3, -3, 0, 30},
        {4, -2, 12, 40},
        {5, -1, 12, 50},
        {6, 0, 0, 60},
        {7, -1, 1, 70},
        {8, -3, 5, 80}});
  r = run_pond({"run", "-s", "events", "daily_events"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(table(), "1:1:" + d4 + ":2:6 2:2:" + d4 + ":2:6 3:3:" + d3 + ":1:6 4:4:" + d2 +
                         ":1:6 5:50:" + d1 + ":2:8 6:60:" + d0 + ":1:8 7:70:" + d1 + ":2:8");
  EXPECT_EQ(result_of(root_, "model.shop.daily_events")["batch_results"]["successful"].size(), 2u);

  // Backfill three days ago only.
  r = run_pond({"run", "-s", "daily_events", "--event-time-start", day(-3), "--event-time-end", day(-2)},
               root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(table(), "1:1:" + d4 + ":2:6 2:2:" + d4 + ":2:6 3:30:" + d3 + ":2:8 4:4:" + d2 + ":1:6 5:50:" +
                         d1 + ":2:8 6:60:" + d0 + ":1:8 7:70:" + d1 + ":2:8 8:80:" + d3 + ":2:8");

  // --full-refresh rebuilds every batch from begin.
  r = run_pond({"run", "-s", "daily_events", "--full-refresh"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(query(root_, "select sum(amount) || ':' || min(total) from main.daily_events"), "360:8");
}

TEST_F(MicrobatchTest, AFailingBatchIsAPartialSuccess) {
  seed({{1, -2, 10, 1}, {2, -1, 10, 2}, {3, 0, 10, 3}});
  ASSERT_EQ(run_pond({"run", "-s", "events", "daily_events"}, root_).exit_code, 0);
  // Yesterday's batch fails; the batches before and after it are committed.
  write(root_ / "models" / "daily_events.sql",
        "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts',\n"
        "          batch_size='day', begin='" +
            day(-4) +
            "') }}\n"
            "select id, ts, amount * 100 as amount, '{{ model.batch.id }}' as batch_id, 0 as in_batch, 0 as "
            "total\n"
            "from {{ ref('events') }}\n"
            "{% if model.batch.id == '" +
            compact(day(-1)) + "' %} where error('bad batch') is null {% endif %}\n");
  ProcessResult r = run_pond(
      {"run", "-s", "daily_events", "--event-time-start", day(-2), "--event-time-end", day(1)}, root_);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "partial success")) << r.out;
  EXPECT_TRUE(contains(r.out, "bad batch")) << r.out;
  nlohmann::json res = result_of(root_, "model.shop.daily_events");
  EXPECT_EQ(res["status"], "partial success");
  EXPECT_EQ(res["batch_results"]["failed"].size(), 1u);
  EXPECT_EQ(query(root_, "select string_agg(id || ':' || amount, ' ' order by id) from main.daily_events"),
            "1:100 2:2 3:300");
}

TEST_F(MicrobatchTest, BadEventTimeFlagsAreRejectedBeforeRunning) {
  ProcessResult r = run_pond({"run", "--event-time-start", "yesterday"}, root_);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--event-time-start: invalid timestamp 'yesterday'")) << r.err;
  r = run_pond({"run", "--event-time-start", "2024-02-01", "--event-time-end", "2024-01-01"}, root_);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(root_ / "target" / "run_results.json"));
}

}  // namespace pond::test
