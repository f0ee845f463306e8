#include <gtest/gtest.h>

#include "common/error.hpp"
#include "engine/error.hpp"
#include "helpers.hpp"
#include "materialize/microbatch_window.hpp"
#include "materialize/model.hpp"

namespace pond::materialize {

using testing::Db;
using testing::model;

namespace {

std::string windows(const std::vector<BatchWindow>& b) {
  std::string out;
  for (const auto& w : b) out += (out.empty() ? "" : " | ") + w.start + " - " + w.end;
  return out;
}

BatchPlanInput plan(BatchSize size, std::string now) {
  BatchPlanInput in;
  in.size = size;
  in.now = std::move(now);
  return in;
}

ModelSpec microbatch(const std::string& sql) {
  auto spec = model("mb", Materialized::kIncremental, sql);
  spec.strategy = IncrementalStrategy::kMicrobatch;
  spec.microbatch.event_time = "ts";
  spec.microbatch.batch_size = BatchSize::kDay;
  spec.microbatch.begin = "2024-01-01";
  return spec;
}

}  // namespace

// dbt's MicrobatchBuilder examples (truncate_timestamp, offset_timestamp, ceiling_timestamp).
TEST(MicrobatchWindow, TruncateOffsetAndCeilingAsDbt) {
  const std::string t = "2024-09-17 16:06:00";
  EXPECT_EQ(truncate_timestamp(t, BatchSize::kHour), "2024-09-17 16:00:00");
  EXPECT_EQ(truncate_timestamp(t, BatchSize::kDay), "2024-09-17 00:00:00");
  EXPECT_EQ(truncate_timestamp(t, BatchSize::kMonth), "2024-09-01 00:00:00");
  EXPECT_EQ(truncate_timestamp(t, BatchSize::kYear), "2024-01-01 00:00:00");
  EXPECT_EQ(offset_timestamp(t, BatchSize::kHour, -1), "2024-09-17 15:00:00");
  EXPECT_EQ(offset_timestamp(t, BatchSize::kHour, 1), "2024-09-17 17:00:00");
  EXPECT_EQ(offset_timestamp(t, BatchSize::kDay, -1), "2024-09-16 00:00:00");
  EXPECT_EQ(offset_timestamp(t, BatchSize::kDay, 1), "2024-09-18 00:00:00");
  EXPECT_EQ(offset_timestamp(t, BatchSize::kMonth, -1), "2024-08-01 00:00:00");
  EXPECT_EQ(offset_timestamp(t, BatchSize::kMonth, 1), "2024-10-01 00:00:00");
  EXPECT_EQ(offset_timestamp(t, BatchSize::kYear, -1), "2023-01-01 00:00:00");
  EXPECT_EQ(offset_timestamp(t, BatchSize::kYear, 1), "2025-01-01 00:00:00");
  EXPECT_EQ(offset_timestamp("2024-01-31 10:00:00", BatchSize::kMonth, -1), "2023-12-01 00:00:00");
  EXPECT_EQ(offset_timestamp("2024-12-31 23:00:00", BatchSize::kHour, 1), "2025-01-01 00:00:00");
  EXPECT_EQ(offset_timestamp("2024-02-28", BatchSize::kDay, 1), "2024-02-29 00:00:00");
  EXPECT_EQ(ceiling_timestamp(t, BatchSize::kHour), "2024-09-17 17:00:00");
  EXPECT_EQ(ceiling_timestamp("2024-09-17 16:00:00", BatchSize::kHour), "2024-09-17 16:00:00");
  EXPECT_EQ(ceiling_timestamp(t, BatchSize::kDay), "2024-09-18 00:00:00");
  EXPECT_EQ(ceiling_timestamp("2024-09-17", BatchSize::kDay), "2024-09-17 00:00:00");
  EXPECT_EQ(ceiling_timestamp(t, BatchSize::kMonth), "2024-10-01 00:00:00");
  EXPECT_EQ(ceiling_timestamp(t, BatchSize::kYear), "2025-01-01 00:00:00");
}

TEST(MicrobatchWindow, TimestampTextIsCheckedAndNormalized) {
  EXPECT_EQ(normalize_timestamp("2024-01-02", "x"), "2024-01-02 00:00:00");
  EXPECT_EQ(normalize_timestamp("2024-01-02T03:04", "x"), "2024-01-02 03:04:00");
  EXPECT_EQ(normalize_timestamp("2024-01-02 03:04:05.123Z", "x"), "2024-01-02 03:04:05");
  EXPECT_EQ(normalize_timestamp(" 2024-01-02 03:04:05+00:00", "x"), "2024-01-02 03:04:05");
  for (const char* bad : {"", "2024", "2024-13-01", "2024-02-30", "2024-01-02 25:00", "yesterday",
                          "2024-01-02 03:04:05+02:00", "2024/01/02"}) {
    EXPECT_THROW(normalize_timestamp(bad, "--event-time-start"), UserError) << bad;
  }
  try {
    normalize_timestamp("2024-1-2", "--event-time-end");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("--event-time-end: invalid timestamp '2024-1-2'"),
              std::string::npos);
  }
}

TEST(MicrobatchWindow, FirstBuildRunsFromBeginToTheEndOfTheCurrentBatch) {
  auto in = plan(BatchSize::kDay, "2024-01-03 18:00:00");
  in.begin = "2024-01-01 07:00:00";
  EXPECT_EQ(windows(plan_batches(in, "m")),
            "2024-01-01 00:00:00 - 2024-01-02 00:00:00 | 2024-01-02 00:00:00 - 2024-01-03 00:00:00 | "
            "2024-01-03 00:00:00 - 2024-01-04 00:00:00");
  in.begin.reset();
  EXPECT_THROW(plan_batches(in, "m"), UserError);
  in.begin = "2024-01-05";
  EXPECT_THROW(plan_batches(in, "m"), UserError);  // begin after now
}

TEST(MicrobatchWindow, IncrementalRunsTheCurrentBatchAndLookback) {
  auto in = plan(BatchSize::kDay, "2024-01-05 10:00:00");
  in.incremental = true;
  in.lookback = 1;
  EXPECT_EQ(windows(plan_batches(in, "m")),
            "2024-01-04 00:00:00 - 2024-01-05 00:00:00 | 2024-01-05 00:00:00 - 2024-01-06 00:00:00");
  in.lookback = 0;
  EXPECT_EQ(windows(plan_batches(in, "m")), "2024-01-05 00:00:00 - 2024-01-06 00:00:00");
  in.lookback = 3;
  EXPECT_EQ(plan_batches(in, "m").size(), 4u);
  // Exactly on a boundary: the batch that just closed is the current one.
  in.now = "2024-01-05 00:00:00";
  in.lookback = 1;
  EXPECT_EQ(windows(plan_batches(in, "m")),
            "2024-01-03 00:00:00 - 2024-01-04 00:00:00 | 2024-01-04 00:00:00 - 2024-01-05 00:00:00");
  // Hours and months.
  in = plan(BatchSize::kHour, "2024-01-01 00:30:00");
  in.incremental = true;
  EXPECT_EQ(windows(plan_batches(in, "m")),
            "2023-12-31 23:00:00 - 2024-01-01 00:00:00 | 2024-01-01 00:00:00 - 2024-01-01 01:00:00");
  in = plan(BatchSize::kMonth, "2024-03-15 00:00:00");
  in.incremental = true;
  in.lookback = 2;
  EXPECT_EQ(windows(plan_batches(in, "m")),
            "2024-01-01 00:00:00 - 2024-02-01 00:00:00 | 2024-02-01 00:00:00 - 2024-03-01 00:00:00 | "
            "2024-03-01 00:00:00 - 2024-04-01 00:00:00");
}

TEST(MicrobatchWindow, ExplicitWindowWinsOverBeginAndLookback) {
  auto in = plan(BatchSize::kDay, "2030-01-01 00:00:00");
  in.incremental = true;
  in.event_time_start = "2024-02-28 12:00:00";
  in.event_time_end = "2024-03-01 06:00:00";
  EXPECT_EQ(windows(plan_batches(in, "m")),
            "2024-02-28 00:00:00 - 2024-02-29 00:00:00 | 2024-02-29 00:00:00 - 2024-03-01 00:00:00 | "
            "2024-03-01 00:00:00 - 2024-03-02 00:00:00");
  in.incremental = false;  // no begin needed with --event-time-start
  EXPECT_EQ(plan_batches(in, "m").size(), 3u);
  in.event_time_end = "2024-02-28";
  EXPECT_THROW(plan_batches(in, "m"), UserError);
  EXPECT_EQ(batch_id({"2024-09-17 16:00:00", ""}, BatchSize::kHour), "20240917T16");
  EXPECT_EQ(batch_id({"2024-09-17 00:00:00", ""}, BatchSize::kDay), "20240917");
  EXPECT_EQ(batch_id({"2024-09-01 00:00:00", ""}, BatchSize::kMonth), "202409");
  EXPECT_EQ(batch_id({"2024-01-01 00:00:00", ""}, BatchSize::kYear), "2024");
}

TEST(Microbatch, FirstRunIncrementalRunAndBackfill) {
  Db t;
  Session s(t.con);
  t.con.execute(
      "create table src as select * from (values (1, timestamp '2024-01-01 10:00:00'), "
      "(2, timestamp '2024-01-02 11:00:00'), (3, timestamp '2024-01-03 12:00:00'), "
      "(9, timestamp '2023-12-31 23:59:59')) v(id, ts)");
  auto spec = microbatch("select * from src");
  RunOptions opts;
  opts.now = "2024-01-03 18:00:00";
  auto r = materialize_model(s, testing::duckdb(), spec, opts);
  ASSERT_EQ(r.batches.size(), 3u);
  EXPECT_EQ(r.batches[0].window.start, "2024-01-01 00:00:00");
  EXPECT_EQ(r.batches[2].window.end, "2024-01-04 00:00:00");
  EXPECT_EQ(r.rows_affected, 3u);
  EXPECT_FALSE(r.partial);
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by id) from mb"), "1 2 3");

  // Incremental run: the current batch and one lookback batch are replaced, older ones kept.
  t.con.execute("update src set id = id * 10; insert into src values (4, timestamp '2024-01-03 13:00:00')");
  r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(r.rows_affected, 3u);
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by id) from mb"), "1 4 20 30");

  // Backfill an explicit window with the compiler's per-batch SQL.
  opts.event_time_start = "2024-01-01";
  opts.event_time_end = "2024-01-02";
  spec.batch_sql = [](const BatchWindow& w) { return "select 100 as id, timestamp '" + w.start + "' as ts"; };
  r = materialize_model(s, testing::duckdb(), spec, opts);
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by id) from mb"), "4 20 30 100");

  // --full-refresh rebuilds from begin.
  spec.batch_sql = nullptr;
  opts.event_time_start.reset();
  opts.event_time_end.reset();
  opts.full_refresh = true;
  r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(r.batches.size(), 3u);
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by id) from mb"), "4 10 20 30");
}

TEST(Microbatch, AFailingBatchKeepsTheOthers) {
  Db t;
  Session s(t.con);
  auto spec = microbatch("");
  spec.batch_sql = [](const BatchWindow& w) { return "select 1 as id, timestamp '" + w.start + "' as ts"; };
  RunOptions opts;
  opts.now = "2024-01-03 18:00:00";
  materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(t.rows("select count(*) from mb"), "3");

  opts.event_time_start = "2024-01-01";
  opts.event_time_end = "2024-01-04";
  spec.batch_sql = [](const BatchWindow& w) {
    if (w.start.rfind("2024-01-02", 0) == 0) return std::string("select error('bad batch')");
    return "select 2 as id, timestamp '" + w.start + "' as ts";
  };
  auto r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_TRUE(r.partial);
  ASSERT_EQ(r.batches.size(), 3u);
  EXPECT_TRUE(r.batches[0].ok);
  EXPECT_FALSE(r.batches[1].ok);
  EXPECT_NE(r.batches[1].message.find("bad batch"), std::string::npos);
  EXPECT_TRUE(r.batches[2].ok);
  EXPECT_NE(r.message.find("1 of 3 batches failed; first error: batch 20240102"), std::string::npos)
      << r.message;
  // The failed batch kept its previous rows (its transaction rolled back).
  EXPECT_EQ(t.rows("select string_agg(id::varchar || '@' || day(ts), ' ' order by ts) from mb"),
            "2@1 1@2 2@3");

  // A batch whose rendering fails fails alone too.
  spec.batch_sql = [](const BatchWindow& w) -> std::string {
    if (w.start.rfind("2024-01-03", 0) == 0) throw UserError("models/mb.sql: render error");
    return "select 3 as id, timestamp '" + w.start + "' as ts";
  };
  r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_TRUE(r.partial);
  EXPECT_EQ(t.rows("select string_agg(id::varchar || '@' || day(ts), ' ' order by ts) from mb"),
            "3@1 3@2 2@3");

  // Every batch failing is an error, and the table is unchanged.
  spec.batch_sql = [](const BatchWindow&) { return std::string("select error('all bad')"); };
  EXPECT_THROW(materialize_model(s, testing::duckdb(), spec, opts), engine::EngineError);
  EXPECT_EQ(t.rows("select count(*) from mb"), "3");
}

TEST(Microbatch, ABatchInsertsOnlyTheRowsOfItsWindow) {
  Db t;
  Session s(t.con);
  // The per-batch SQL returns every row (as when an upstream has no event_time): each batch
  // keeps its own day, so nothing is duplicated.
  t.con.execute(
      "create table src as select * from (values (1, timestamp '2024-01-01 10:00:00'), "
      "(2, timestamp '2024-01-02 10:00:00'), (3, timestamp '2024-01-05 10:00:00')) v(id, ts)");
  auto spec = microbatch("");
  spec.batch_sql = [](const BatchWindow&) { return std::string("select * from src"); };
  RunOptions opts;
  opts.now = "2024-01-02 12:00:00";
  auto r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(r.rows_affected, 2u);
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by id) from mb"), "1 2");
  r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by id) from mb"), "1 2");
}

TEST(Microbatch, ConfigErrors) {
  Db t;
  Session s(t.con);
  RunOptions opts;
  opts.now = "2024-01-03 18:00:00";
  auto spec = microbatch("select now() as ts");
  spec.microbatch.begin.reset();
  EXPECT_THROW(materialize_model(s, testing::duckdb(), spec, opts), UserError);
  spec = microbatch("select now() as ts");
  spec.microbatch.batch_size.reset();
  EXPECT_THROW(materialize_model(s, testing::duckdb(), spec, opts), UserError);
  spec = microbatch("select now() as ts");
  spec.microbatch.event_time.clear();
  EXPECT_THROW(materialize_model(s, testing::duckdb(), spec, opts), UserError);
}

TEST(Microbatch, ReplacesAViewAndAcceptsAnEventTimeExpression) {
  Db t;
  Session s(t.con);
  t.con.execute("create view mb as select 1 as x");
  t.con.execute(
      "create table src as select * from (values (1, '2024-01-01 05:00:00'), (2, '2024-01-02 05:00:00')) "
      "v(id, t)");
  auto spec = microbatch("select id, t from src");
  spec.microbatch.event_time = "cast(t as timestamp)";
  RunOptions opts;
  opts.now = "2024-01-02 06:00:00";
  auto r = materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(t.rows("select table_type from information_schema.tables where table_name = 'mb'"), "BASE TABLE");
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by id) from mb"), "1 2");
  t.con.execute("update src set id = 20 where id = 2");
  opts.event_time_start = "2024-01-02";
  opts.event_time_end = "2024-01-03";
  materialize_model(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(t.rows("select string_agg(id::varchar, ' ' order by id) from mb"), "1 20");
}

}  // namespace pond::materialize
