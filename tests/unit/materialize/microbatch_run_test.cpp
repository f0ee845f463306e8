// The shared batch loop: progress events, concurrent batches on extra connections, retry
// windows, cancellation.
#include "materialize/microbatch_run.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "engine/error.hpp"
#include "helpers.hpp"
#include "materialize/model.hpp"

namespace pond::materialize {

using testing::Db;
using testing::model;

namespace {

ModelSpec daily(const std::string& begin) {
  auto spec = model("mb", Materialized::kIncremental, "");
  spec.strategy = IncrementalStrategy::kMicrobatch;
  spec.microbatch.event_time = "ts";
  spec.microbatch.batch_size = BatchSize::kDay;
  spec.microbatch.begin = begin;
  return spec;
}

// Records the events; checks that no two calls overlap.
struct Events {
  std::mutex mutex;
  std::atomic<int> inside{0};
  bool overlapped = false;
  std::vector<std::string> log;
  std::map<std::string, std::uint64_t> rows;

  BatchContext context(const engine::Database* db, int threads, const std::atomic<bool>* cancelled) {
    BatchContext c;
    c.database = db;
    c.max_parallel = threads;
    c.cancelled = cancelled;
    c.on_event = [this](const BatchEvent& e) {
      if (++inside > 1) overlapped = true;
      {
        std::lock_guard lock(mutex);
        std::string what = e.result ? (e.result->ok ? "ok " : "error ") : "start ";
        log.push_back(what + std::to_string(e.index) + "/" + std::to_string(e.total) + " " + e.label);
        if (e.result) rows[e.label] = e.result->rows;
      }
      --inside;
    };
    return c;
  }
};

}  // namespace

TEST(MicrobatchRun, EventsForEveryBatchInOrderWhenSequential) {
  Db t;
  Session s(t.con);
  auto spec = daily("2024-01-01");
  spec.batch_sql = [](const BatchWindow& w) {
    if (w.start.rfind("2024-01-02", 0) == 0) return std::string("select error('bad batch')");
    return "select 1 as id, timestamp '" + w.start + "' + interval 1 hour as ts";
  };
  Events events;
  BatchContext ctx = events.context(&t.db, 1, nullptr);
  RunOptions opts;
  opts.now = "2024-01-03 18:00:00";
  opts.batch_context = &ctx;
  auto r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_TRUE(r.partial);
  EXPECT_EQ(events.log,
            (std::vector<std::string>{"start 1/3 2024-01-01", "ok 1/3 2024-01-01", "start 2/3 2024-01-02",
                                      "error 2/3 2024-01-02", "start 3/3 2024-01-03", "ok 3/3 2024-01-03"}));
  EXPECT_EQ(events.rows["2024-01-01"], 1u);
}

TEST(MicrobatchRun, ConcurrentBatchesOnExtraConnections) {
  Db t;
  Session s(t.con);
  t.con.execute(
      "create table src as select i as id, timestamp '2024-01-01' + to_hours(i) as ts from range(24 * 8) "
      "r(i)");
  auto spec = daily("2024-01-01");
  spec.compiled_sql = "select id, ts, id * 2 as twice from src";
  Events events;
  BatchContext ctx = events.context(&t.db, 3, nullptr);
  RunOptions opts;
  opts.now = "2024-01-08 12:00:00";
  opts.batch_context = &ctx;
  auto r = materialize_model(s, testing::duckdb(), spec, opts);
  ASSERT_EQ(r.batches.size(), 8u);
  EXPECT_FALSE(r.partial);
  EXPECT_EQ(r.rows_affected, 24u * 8);
  for (const auto& b : r.batches) EXPECT_EQ(b.rows, 24u) << b.window.start;
  EXPECT_EQ(t.rows("select count(*), count(distinct id), sum(twice) from mb"), "192,192,36672");
  EXPECT_FALSE(events.overlapped);
  EXPECT_EQ(events.log.size(), 16u);
  EXPECT_EQ(events.log[0], "start 1/8 2024-01-01");  // the first batch runs alone
  EXPECT_EQ(events.log[1], "ok 1/8 2024-01-01");

  // Incremental re-run, concurrently, with a failing batch: it rolls back alone.
  t.con.execute("update src set id = id + 1000");
  opts.event_time_start = "2024-01-02";
  opts.event_time_end = "2024-01-08";
  spec.batch_sql = [](const BatchWindow& w) {
    if (w.start.rfind("2024-01-05", 0) == 0) return std::string("select error('bad batch')");
    return "select id, ts, 0 as twice from src where ts >= timestamp '" + w.start + "' and ts < timestamp '" +
           w.end + "'";
  };
  r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_TRUE(r.partial);
  ASSERT_EQ(r.batches.size(), 6u);
  EXPECT_FALSE(r.batches[3].ok);
  EXPECT_EQ(t.rows("select count(*) filter (where id >= 1000), count(*) from mb"), "120,192");
  EXPECT_EQ(t.rows("select count(*) from mb where day(ts) = 5 and id < 1000"), "24");
}

TEST(MicrobatchRun, RetryWindowsReplaceThePlan) {
  Db t;
  Session s(t.con);
  auto spec = daily("2024-01-01");
  spec.batch_sql = [](const BatchWindow& w) { return "select 1 as id, timestamp '" + w.start + "' as ts"; };
  RunOptions opts;
  opts.now = "2024-01-03 18:00:00";
  materialize_model(s, testing::duckdb(), spec, opts);
  spec.batch_sql = [](const BatchWindow& w) { return "select 7 as id, timestamp '" + w.start + "' as ts"; };
  spec.microbatch.retry_batches = {{"2024-01-02 00:00:00", "2024-01-03 00:00:00"}};
  opts.full_refresh = true;  // a retry adds to the relation even after a --full-refresh run
  auto r = materialize_model(s, testing::duckdb(), spec, opts);
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by ts) from mb"), "1 7 1");
}

TEST(MicrobatchRun, ConcurrencyFollowsTheConfigAndThis) {
  auto spec = daily("2024-01-01");
  EXPECT_TRUE(batches_may_run_concurrently(spec));
  spec.microbatch.references_this = true;
  EXPECT_FALSE(batches_may_run_concurrently(spec));
  spec.microbatch.concurrent_batches = true;
  EXPECT_TRUE(batches_may_run_concurrently(spec));
  spec.microbatch.concurrent_batches = false;
  spec.microbatch.references_this = false;
  EXPECT_FALSE(batches_may_run_concurrently(spec));
  EXPECT_EQ(batch_label({"2024-01-02 05:00:00", "2024-01-02 06:00:00"}, BatchSize::kHour),
            "2024-01-02 05:00:00");
  EXPECT_EQ(batch_label({"2024-03-01 00:00:00", "2024-04-01 00:00:00"}, BatchSize::kMonth), "2024-03-01");
}

TEST(MicrobatchRun, ACancelledRunStopsBetweenBatches) {
  Db t;
  Session s(t.con);
  auto spec = daily("2024-01-01");
  spec.batch_sql = [](const BatchWindow& w) { return "select 1 as id, timestamp '" + w.start + "' as ts"; };
  std::atomic<bool> cancelled{false};
  BatchContext ctx;
  ctx.cancelled = &cancelled;
  ctx.on_event = [&](const BatchEvent& e) {
    if (e.result && e.index == 2) cancelled = true;  // Ctrl-C after the second batch
  };
  RunOptions opts;
  opts.now = "2024-01-05 18:00:00";
  opts.batch_context = &ctx;
  try {
    materialize_model(s, testing::duckdb(), spec, opts);
    FAIL() << "expected an interrupt";
  } catch (const engine::EngineError& e) {
    EXPECT_TRUE(e.interrupted());
  }
  EXPECT_EQ(t.rows("select count(*) from mb"), "2");  // the committed batches stay
}

}  // namespace pond::materialize
