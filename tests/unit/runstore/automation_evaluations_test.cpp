// Migration 8: declarative automation's evaluations, recorded once with their tick, the runs
// they request and the on_cron cursors they move (one transaction), on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "runstore/run_store.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"

namespace pond::runstore {

namespace {

QueuedRun run_of(const std::string& id) {
  QueuedRun q;
  q.run.run_id = id;
  q.run.command = "materialize";
  q.run.trigger = "automation";
  q.tags = {{"pond/automation", "2026-03-28T06:00Z"}};
  return q;
}

AutomationEvaluation evaluation(const std::string& key, std::int64_t at, bool requested,
                                const std::string& why, std::vector<std::string> runs = {}) {
  AutomationEvaluation e;
  e.asset_key = key;
  e.tick_at = at;
  e.requested = requested;
  e.condition = requested ? "eager" : "";
  e.reason = why;
  e.run_ids = std::move(runs);
  return e;
}

TickRecord tick(std::int64_t at) {
  return {"automation", at, "submitted", {}, "", ""};
}

void records_once(RunStore& s) {
  ASSERT_TRUE(s.record_automation_tick(
      tick(1000), {run_of("r1")},
      {evaluation("b", 1000, true, "eager: upstream a materialized since", {"r1"}),
       evaluation("c", 1000, false, "eager: no upstream materialized since this asset")},
      {{"automation", "1000"}, {"automation:b", "900"}}));
  // The same tick again (a restarted daemon, another one): nothing is written.
  EXPECT_FALSE(s.record_automation_tick(tick(1000), {run_of("r2")},
                                        {evaluation("b", 1000, true, "again", {"r2"})},
                                        {{"automation:b", "1000"}}));
  auto b = s.automation_evaluations("b", 10);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(b[0].requested);
  EXPECT_EQ(b[0].condition, "eager");
  EXPECT_EQ(b[0].run_ids, std::vector<std::string>{"r1"});
  EXPECT_EQ(b[0].reason, "eager: upstream a materialized since");
  EXPECT_FALSE(b[0].recorded_at.empty());
  auto queued = s.queued_runs();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].run.run_id, "r1");
  EXPECT_FALSE(queued[0].run.pid.has_value()) << "for any launcher";
  EXPECT_EQ(s.automation_state("automation:b").cursor, "900");
  EXPECT_EQ(s.automation_state("automation").cursor, "1000");

  ASSERT_TRUE(
      s.record_automation_tick(tick(2000), {}, {evaluation("b", 2000, false, "eager: in progress")}, {}));
  b = s.automation_evaluations("b", 10);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].tick_at, 2000) << "most recent first";
  EXPECT_EQ(s.automation_evaluations("b", 1).size(), 1u);
  auto latest = s.latest_automation_evaluations();
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest.at("b").tick_at, 2000);
  EXPECT_EQ(latest.at("c").tick_at, 1000);
}

// `threads` connections record the same ticks, each with a run of its own: one wins per tick.
void race(const std::function<RunStore()>& open, RunStore& check) {
  std::mutex m;
  std::map<std::int64_t, int> won;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      RunStore s = open();
      for (int k = 0; k < 20; ++k) {
        std::string id = "run-" + std::to_string(k) + "-" + std::to_string(t);
        if (s.record_automation_tick(tick(5000 + k), {run_of(id)},
                                     {evaluation("x", 5000 + k, true, "eager", {id})},
                                     {{"automation:x", std::to_string(5000 + k)}})) {
          std::lock_guard lock(m);
          ++won[5000 + k];
        }
      }
    });
  for (auto& t : ts) t.join();
  ASSERT_EQ(won.size(), 20u);
  for (const auto& [at, n] : won) EXPECT_EQ(n, 1) << at;
  auto evals = check.automation_evaluations("x", 100);
  ASSERT_EQ(evals.size(), 20u);
  std::set<std::string> named, queued;
  for (const auto& e : evals) {
    ASSERT_EQ(e.run_ids.size(), 1u);
    named.insert(e.run_ids[0]);
  }
  for (const auto& q : check.queued_runs()) queued.insert(q.run.run_id);
  EXPECT_EQ(named, queued) << "each evaluation's run is queued, and only those";
}

}  // namespace

TEST(AutomationEvaluations, RecordedOnceWithTheirRunsAndCursorsSqlite) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  EXPECT_GE(s.schema_version(), 8);  // later migrations add to it
  records_once(s);
}

TEST(AutomationEvaluations, RecordedOnceWithTheirRunsAndCursorsPostgres) {
  std::string why;
  auto server = test::PostgresServer::start(why);
  ASSERT_TRUE(server) << why;
  RunStore s = RunStore::open_spec("postgres:" + server->create_database("auto_evals"), ".");
  EXPECT_GE(s.schema_version(), 8);  // later migrations add to it
  records_once(s);
}

TEST(AutomationEvaluations, FailingRunInsertLeavesNothing) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  s.enqueue_run(run_of("taken").run, {}, true);
  // The run id exists: the insert fails, and neither the tick nor the evaluation nor the cursor stays.
  EXPECT_ANY_THROW(s.record_automation_tick(tick(1000), {run_of("taken")},
                                            {evaluation("b", 1000, true, "eager", {"taken"})},
                                            {{"automation:b", "1000"}}));
  EXPECT_TRUE(s.automation_evaluations("b", 10).empty());
  EXPECT_TRUE(s.recent_ticks("automation", 10).empty());
  EXPECT_FALSE(s.automation_state("automation:b").cursor.has_value());
}

TEST(AutomationEvaluations, RacingSqliteConnectionsRecordEachTickOnce) {
  test::TempDir dir;
  auto path = dir.path() / "state.db";
  RunStore s = RunStore::open(path);
  race([&] { return RunStore::open(path); }, s);
}

TEST(AutomationEvaluations, RacingPostgresConnectionsRecordEachTickOnce) {
  std::string why;
  auto server = test::PostgresServer::start(why);
  ASSERT_TRUE(server) << why;
  std::string conninfo = server->create_database("auto_race");
  RunStore s = RunStore::open_spec("postgres:" + conninfo, ".");
  race([&] { return RunStore::open_spec("postgres:" + conninfo, "."); }, s);
}

}  // namespace pond::runstore
