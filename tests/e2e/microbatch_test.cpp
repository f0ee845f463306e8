// Microbatch models end to end: per-batch rendering (refs to upstreams with an event_time read
// only the batch's rows, model.batch), first run from begin, an incremental run with lookback,
// an explicit --event-time-start/--event-time-end backfill, and a failing batch.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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

namespace {

// The model of the batch tests: amounts times `factor`; the batch of `failing_day` (if any)
// fails. `extra` goes into the config (concurrent_batches=...).
std::string batch_model(int factor, const std::string& failing_day, const std::string& extra,
                        const std::string& begin, const std::string& slow = "") {
  return "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts',\n"
         "          batch_size='day', begin='" +
         begin + "'" + extra +
         ") }}\n"
         "select id, ts, amount * " +
         std::to_string(factor) + " as amount, '{{ model.batch.id }}' as batch_id" + slow +
         "\nfrom {{ ref('events') }}\n" +
         (failing_day.empty() ? std::string()
                              : "{% if model.batch.id == '" + compact(failing_day) +
                                    "' %} where error('bad batch') is null {% endif %}\n");
}

// The lines of `out` that start batches or finish them, reduced to "S<n>" / "F<n>" (batch n).
std::string batch_order(const std::string& out) {
  std::string order;
  std::size_t pos = 0;
  while ((pos = out.find("Batch ", pos)) != std::string::npos) {
    std::size_t of = out.find(" of ", pos);
    std::string n = out.substr(pos + 6, of - pos - 6);
    std::size_t verb = out.find(' ', of + 4) + 1;
    order += (order.empty() ? "" : " ") + std::string(out.compare(verb, 5, "START") == 0 ? "S" : "F") + n;
    pos = verb;
  }
  return order;
}

}  // namespace

TEST_F(MicrobatchTest, BatchProgressLinesInTextAndJson) {
  seed({{1, -2, 10, 1}, {2, -1, 10, 2}, {3, -1, 11, 3}, {4, 0, 10, 4}});
  ASSERT_EQ(run_pond({"run", "-s", "events"}, root_).exit_code, 0);
  write(root_ / "models" / "daily_events.sql", batch_model(100, day(-1), "", day(-4)));
  ProcessResult r = run_pond({"run", "-s", "daily_events", "--threads", "1", "--event-time-start", day(-2),
                              "--event-time-end", day(1)},
                             root_);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // dbt 1.9's lines, each batch between the model's START and its result.
  EXPECT_TRUE(contains(r.out, "1 of 1 START sql microbatch model main.daily_events")) << r.out;
  EXPECT_TRUE(contains(r.out, "Batch 1 of 3 START batch " + day(-2) + " of main.daily_events ..")) << r.out;
  EXPECT_TRUE(contains(r.out, "Batch 1 of 3 OK created batch " + day(-2) + " of main.daily_events .."))
      << r.out;
  EXPECT_TRUE(contains(r.out, "Batch 2 of 3 ERROR creating batch " + day(-1) + " of main.daily_events .."))
      << r.out;
  EXPECT_TRUE(contains(r.out, "Batch 3 of 3 OK created batch " + day(0) + " of main.daily_events")) << r.out;
  EXPECT_TRUE(contains(r.out, "[OK 1 in ")) << r.out;
  EXPECT_TRUE(contains(r.out, "[ERROR in ")) << r.out;
  EXPECT_EQ(batch_order(r.out), "S1 F1 S2 F2 S3 F3") << r.out;
  EXPECT_LT(r.out.find("START sql microbatch model"), r.out.find("Batch 1 of 3 START")) << r.out;
  EXPECT_GT(r.out.find("1 of 1 PARTIAL SUCCESS"), r.out.find("Batch 3 of 3 OK")) << r.out;

  // --log-format json: one batch_start and one batch_finish object per batch.
  r = run_pond({"--log-format", "json", "run", "-s", "daily_events", "--threads", "1", "--event-time-start",
                day(-2), "--event-time-end", day(1)},
               root_);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  int starts = 0;
  std::vector<nlohmann::json> finishes;
  std::istringstream lines(r.out + r.err);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    if (j.value("event", "") == "batch_start") ++starts;
    if (j.value("event", "") == "batch_finish") finishes.push_back(j);
  }
  EXPECT_EQ(starts, 3) << r.err;
  ASSERT_EQ(finishes.size(), 3u) << r.err;
  EXPECT_EQ(finishes[0]["unique_id"], "model.shop.daily_events");
  EXPECT_EQ(finishes[0]["batch"], day(-2));
  EXPECT_EQ(finishes[0]["batch_start"], day(-2) + " 00:00:00");
  EXPECT_EQ(finishes[0]["batch_end"], day(-1) + " 00:00:00");
  EXPECT_EQ(finishes[0]["status"], "success");
  EXPECT_EQ(finishes[0]["rows_affected"], "1");
  EXPECT_EQ(finishes[1]["status"], "error");
  EXPECT_EQ(finishes[1]["index"], "2");
  EXPECT_TRUE(contains(finishes[1]["message"].get<std::string>(), "bad batch")) << finishes[1];
  EXPECT_EQ(finishes[2]["rows_affected"], "1");
}

TEST_F(MicrobatchTest, RetryRunsOnlyTheFailedBatches) {
  seed({{1, -2, 10, 1}, {2, -1, 10, 2}, {3, -1, 11, 3}, {4, 0, 10, 4}});
  ASSERT_EQ(run_pond({"run", "-s", "events"}, root_).exit_code, 0);
  write(root_ / "models" / "daily_events.sql", batch_model(100, day(-1), "", day(-4)));
  ProcessResult r = run_pond(
      {"run", "-s", "daily_events", "--event-time-start", day(-2), "--event-time-end", day(1)}, root_);
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(query(root_, "select string_agg(id || ':' || amount, ' ' order by id) from main.daily_events"),
            "1:100 4:400");

  // Fixed, and changed to x1000: the retry runs yesterday's batch only, so the two batches that
  // succeeded keep their x100 rows.
  write(root_ / "models" / "daily_events.sql", batch_model(1000, "", "", day(-4)));
  r = run_pond({"retry"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Batch 1 of 1 OK created batch " + day(-1) + " of main.daily_events")) << r.out;
  EXPECT_FALSE(contains(r.out, "Batch 1 of 3")) << r.out;
  EXPECT_EQ(query(root_, "select string_agg(id || ':' || amount, ' ' order by id) from main.daily_events"),
            "1:100 2:2000 3:3000 4:400");
  nlohmann::json res = result_of(root_, "model.shop.daily_events");
  EXPECT_EQ(res["status"], "success");
  ASSERT_EQ(res["batch_results"]["successful"].size(), 1u);
  EXPECT_EQ(res["batch_results"]["successful"][0][0], day(-1) + "T00:00:00+00:00");  // as dbt writes it
  r = run_pond({"retry"}, root_);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out + r.err, "Nothing to retry")) << r.out << r.err;
}

TEST_F(MicrobatchTest, RetryAfterARetryThatFailedAgain) {
  seed({{1, -2, 10, 1}, {2, -1, 10, 2}, {3, 0, 10, 3}});
  ASSERT_EQ(run_pond({"run", "-s", "events"}, root_).exit_code, 0);
  // Two batches fail; the retry fixes one of them; the second retry runs the other only.
  std::string both = batch_model(10, day(-1), "", day(-4));
  both.replace(both.find("model.batch.id == '"), 0, "model.batch.id == '" + compact(day(0)) + "' or ");
  write(root_ / "models" / "daily_events.sql", both);
  ASSERT_EQ(run_pond({"run", "-s", "daily_events", "--event-time-start", day(-2), "--event-time-end", day(1)},
                     root_)
                .exit_code,
            1);
  write(root_ / "models" / "daily_events.sql", batch_model(20, day(0), "", day(-4)));
  ProcessResult r = run_pond({"retry"}, root_);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Batch 1 of 2 OK created batch " + day(-1))) << r.out;
  write(root_ / "models" / "daily_events.sql", batch_model(30, "", "", day(-4)));
  r = run_pond({"retry"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Batch 1 of 1 OK created batch " + day(0))) << r.out;
  EXPECT_EQ(query(root_, "select string_agg(id || ':' || amount, ' ' order by id) from main.daily_events"),
            "1:10 2:40 3:90");
}

TEST_F(MicrobatchTest, ConcurrentBatchesWithSeveralThreads) {
  seed({{1, -4, 10, 1}, {2, -3, 10, 2}, {3, -2, 10, 3}, {4, -1, 10, 4}, {5, 0, 10, 5}, {6, -1, 11, 6}});
  ASSERT_EQ(run_pond({"run", "-s", "events"}, root_).exit_code, 0);
  // Each batch does some work, so that two batches overlap when they run concurrently.
  const std::string slow = ", (select count(*) from range(10000000) t(i) where i % 7 = 0) > 0 as busy";
  write(root_ / "models" / "daily_events.sql",
        batch_model(10, "", ", concurrent_batches=true", day(-4), slow));
  ProcessResult r = run_pond({"run", "-s", "daily_events", "--threads", "2"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(query(root_,
                  "select string_agg(id || ':' || amount || ':' || batch_id, ' ' order by id) from "
                  "main.daily_events"),
            "1:10:" + compact(day(-4)) + " 2:20:" + compact(day(-3)) + " 3:30:" + compact(day(-2)) +
                " 4:40:" + compact(day(-1)) + " 5:50:" + compact(day(0)) + " 6:60:" + compact(day(-1)));
  std::string order = batch_order(r.out);
  // The first batch alone (it creates the table), then two at a time.
  EXPECT_EQ(order.substr(0, 6), "S1 F1 ") << r.out;
  // Two batches were running at once: a batch started before the previous one finished.
  bool overlap = false;
  for (std::size_t i = 0; i + 1 < order.size(); ++i)
    overlap = overlap || (order[i] == 'S' && order.compare(i + 2, 2, " S") == 0);
  EXPECT_TRUE(overlap) << order;
  EXPECT_EQ(result_of(root_, "model.shop.daily_events")["batch_results"]["successful"].size(), 5u);

  // A model that references {{ this }} runs its batches one after another (dbt's detection).
  std::string with_this = batch_model(100, "", "", day(-4), slow);
  with_this.replace(with_this.find("as batch_id"), 11, "as batch_id, '{{ this }}' as me");
  write(root_ / "models" / "daily_events.sql", with_this);
  r = run_pond({"run", "-s", "daily_events", "--threads", "2", "--full-refresh"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(batch_order(r.out), "S1 F1 S2 F2 S3 F3 S4 F4 S5 F5") << r.out;
  EXPECT_EQ(query(root_, "select sum(amount) from main.daily_events"), "2100");
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
