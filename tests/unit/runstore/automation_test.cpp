// The run store's automation tables: a tick is recorded once with its runs (racing connections,
// SQLite and PostgreSQL), on/off and cursors, the daemon lease (a second holder refused, a dead
// holder's lease taken over, a stale one from another host too), a file sensor's seen files.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "runstore/run_store.hpp"
#include "state/database.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"

namespace pond::runstore {

namespace {

QueuedRun run_of(const std::string& id) {
  QueuedRun q;
  q.run.run_id = id;
  q.run.command = "materialize";
  q.run.trigger = "schedule";
  q.tags = {{"pond/schedule", "nightly"}};
  return q;
}

TickRecord tick(std::int64_t at, const std::string& status = "submitted") {
  TickRecord t;
  t.source = "schedule:nightly";
  t.tick_at = at;
  t.status = status;
  return t;
}

// `threads` connections each try to record the same ticks (with a run of their own each):
// returns how many records succeeded per tick.
std::map<std::int64_t, int> race_ticks(const std::function<RunStore()>& open, int threads, int ticks) {
  std::mutex m;
  std::map<std::int64_t, int> won;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      RunStore s = open();
      for (int k = 0; k < ticks; ++k) {
        std::string id = "run-" + std::to_string(k) + "-" + std::to_string(t);
        if (s.record_tick(tick(1000 + k), {run_of(id)}, std::to_string(1000 + k))) {
          std::lock_guard lock(m);
          ++won[1000 + k];
        }
      }
    });
  for (auto& t : ts) t.join();
  return won;
}

void expect_each_tick_once(RunStore& s, const std::map<std::int64_t, int>& won, int ticks) {
  EXPECT_EQ(won.size(), static_cast<std::size_t>(ticks));
  for (const auto& [at, n] : won) EXPECT_EQ(n, 1) << at;
  // One queued run per tick, the one its tick names.
  auto recorded = s.recent_ticks("schedule:nightly", 1000);
  ASSERT_EQ(recorded.size(), static_cast<std::size_t>(ticks));
  std::set<std::string> named;
  for (const auto& t : recorded) {
    ASSERT_EQ(t.run_ids.size(), 1u);
    named.insert(t.run_ids[0]);
  }
  std::set<std::string> queued;
  for (const auto& q : s.queued_runs()) {
    queued.insert(q.run.run_id);
    EXPECT_EQ(q.run.trigger, "schedule");
    EXPECT_FALSE(q.run.pid.has_value()) << "a tick's runs are for any launcher";
    EXPECT_EQ(q.tags.at("pond/schedule"), "nightly");
  }
  EXPECT_EQ(named, queued);
  EXPECT_EQ(s.automation_state("schedule:nightly").cursor, std::to_string(1000 + ticks - 1));
}

}  // namespace

TEST(AutomationStore, ATickIsRecordedOnceWithItsRuns) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  TickRecord t = tick(1000);
  t.reason = "partition 2026-03-28";
  EXPECT_TRUE(s.record_tick(t, {run_of("a"), run_of("b")}, "1000"));
  EXPECT_FALSE(s.record_tick(t, {run_of("c")}, "2000")) << "the same tick twice";
  EXPECT_EQ(s.queued_runs().size(), 2u);
  EXPECT_FALSE(s.find_run("c"));
  EXPECT_EQ(s.automation_state("schedule:nightly").cursor, "1000");
  EXPECT_TRUE(s.record_tick(tick(900, "skipped"), {}, std::nullopt));
  auto ticks = s.recent_ticks("schedule:nightly", 10);
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].tick_at, 1000);
  EXPECT_EQ(ticks[0].run_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ticks[0].reason, "partition 2026-03-28");
  EXPECT_EQ(ticks[1].status, "skipped");
  EXPECT_TRUE(ticks[1].run_ids.empty());
  // A failing run insert (a run id that exists) leaves no tick behind.
  EXPECT_ANY_THROW(s.record_tick(tick(3000), {run_of("a")}, "3000"));
  EXPECT_EQ(s.recent_ticks("schedule:nightly", 10).size(), 2u);
  EXPECT_EQ(s.automation_state("schedule:nightly").cursor, "1000");
}

TEST(AutomationStore, RacingSqliteConnectionsRecordEachTickOnce) {
  test::TempDir dir;
  auto path = dir.path() / "state.db";
  RunStore s = RunStore::open(path);
  auto won = race_ticks([&] { return RunStore::open(path); }, 4, 25);
  expect_each_tick_once(s, won, 25);
}

TEST(AutomationStore, RacingPostgresConnectionsRecordEachTickOnce) {
  std::string why;
  auto server = test::PostgresServer::start(why);
  ASSERT_TRUE(server) << why;
  std::string conninfo = server->create_database("ticks_race");
  RunStore s = RunStore::open_spec("postgres:" + conninfo, ".");
  auto won = race_ticks([&] { return RunStore::open_spec("postgres:" + conninfo, "."); }, 4, 25);
  expect_each_tick_once(s, won, 25);
}

TEST(AutomationStore, OnOffOverridesAndClearsTheCursor) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  EXPECT_FALSE(s.automation_state("schedule:x").enabled.has_value());
  s.set_automation_cursor("schedule:x", "500");
  s.set_automation_enabled("schedule:x", false);
  EXPECT_EQ(s.automation_state("schedule:x").enabled, false);
  EXPECT_FALSE(s.automation_state("schedule:x").cursor.has_value());
  s.set_automation_cursor("schedule:x", "700");
  s.set_automation_enabled("schedule:x", true);
  EXPECT_EQ(s.automation_state("schedule:x").enabled, true);
  EXPECT_FALSE(s.automation_state("schedule:x").cursor.has_value());
}

TEST(AutomationStore, OneDaemonLeaseAtATime) {
  test::TempDir dir;
  auto path = dir.path() / "state.db";
  RunStore s = RunStore::open(path);
  EXPECT_FALSE(s.acquire_daemon_lease("first", std::chrono::seconds(60)));
  EXPECT_FALSE(s.acquire_daemon_lease("first", std::chrono::seconds(60))) << "the holder may re-acquire";
  auto holder = s.acquire_daemon_lease("second", std::chrono::seconds(60));
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder->token, "first");
  EXPECT_EQ(holder->pid, ::getpid());
  EXPECT_TRUE(s.renew_daemon_lease("first"));
  EXPECT_FALSE(s.renew_daemon_lease("second"));

  auto db = state::open_sqlite(path.string());
  // The holder's process died (a pid that does not exist on this host): taken over.
  db->execute("UPDATE daemon_lease SET pid = 999999999");
  EXPECT_FALSE(s.acquire_daemon_lease("second", std::chrono::seconds(60)));
  EXPECT_FALSE(s.renew_daemon_lease("first")) << "the old holder learns it lost the lease";
  // Another host's daemon: alive while it heartbeats, taken over once its heartbeat is stale.
  db->execute(
      "UPDATE daemon_lease SET host = 'elsewhere', token = 'remote', heartbeat_at = '2999-01-01T00:00:00Z'");
  EXPECT_TRUE(s.acquire_daemon_lease("third", std::chrono::seconds(60)));
  db->execute("UPDATE daemon_lease SET heartbeat_at = '2000-01-01T00:00:00Z'");
  EXPECT_FALSE(s.acquire_daemon_lease("third", std::chrono::seconds(60)));
  s.release_daemon_lease("third");
  EXPECT_FALSE(s.daemon_lease());
}

TEST(AutomationStore, SensorFilesKeptWithTheirTick) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  TickRecord t{"sensor:landing", 100, "submitted", {}, "2 new files", ""};
  EXPECT_TRUE(s.record_tick(t, {run_of("r1")}, std::nullopt, {{"a.csv", 5, 10}, {"b.csv", 6, 20}}));
  auto files = s.sensor_files("sensor:landing");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files["b.csv"].size, 20);
  t.tick_at = 101;
  EXPECT_TRUE(s.record_tick(t, {run_of("r2")}, std::nullopt, {{"a.csv", 7, 11}}));
  EXPECT_EQ(s.sensor_files("sensor:landing")["a.csv"].mtime_ns, 7);
  EXPECT_TRUE(s.sensor_files("sensor:other").empty());
}

}  // namespace pond::runstore
