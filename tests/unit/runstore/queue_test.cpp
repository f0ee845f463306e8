// The run queue: priority then FIFO order, the global and per-tag limits, claims by exactly one
// of several racing connections (SQLite and a real PostgreSQL server), cancel of queued runs;
// a new PostgreSQL store created by racing connections at once.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "runstore/run_store.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"

namespace pond::runstore {

namespace {

RunRecord queued(const std::string& id, int priority = 0) {
  RunRecord r;
  r.run_id = id;
  r.command = "materialize";
  r.priority = priority;
  return r;
}

auto any = [](const RunRecord&) { return true; };

std::string claim(RunStore& s, const QueueLimits& limits = {}) {
  auto r = s.claim_queued_run(limits, any);
  return r ? r->run_id : "-";
}

// Queued one after another: queued_at has a resolution the test must not depend on.
void enqueue(RunStore& s, const std::string& id, int priority = 0,
             std::map<std::string, std::string> tags = {}, bool detached = true) {
  s.enqueue_run(queued(id, priority), tags, detached);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

// `threads` connections claim concurrently until the queue is empty; returns run -> claims.
std::map<std::string, int> race(const std::function<RunStore()>& open, int threads) {
  std::mutex m;
  std::map<std::string, int> claims;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      RunStore s = open();
      while (true) {
        auto r = s.claim_queued_run({}, any);
        if (!r) {
          if (s.queued_runs().empty()) return;
          continue;
        }
        std::lock_guard lock(m);
        ++claims[r->run_id];
      }
    });
  for (auto& t : ts) t.join();
  return claims;
}

}  // namespace

TEST(RunQueue, PriorityThenFifo) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  enqueue(s, "a");
  enqueue(s, "b", 5);
  enqueue(s, "c");
  enqueue(s, "d", 5);
  auto q = s.queued_runs();
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].run.run_id, "b");
  EXPECT_EQ(q[0].run.status, "queued");
  EXPECT_EQ(q[0].run.priority, 5);
  EXPECT_EQ(claim(s), "b");
  EXPECT_EQ(claim(s), "d");
  EXPECT_EQ(claim(s), "a");
  EXPECT_EQ(claim(s), "c");
  EXPECT_EQ(claim(s), "-");
  auto run = s.find_run("a");
  EXPECT_EQ(run->status, "running");
  EXPECT_TRUE(run->pid.has_value());  // the claimer's
}

TEST(RunQueue, GlobalLimitCountsRunningRuns) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  QueueLimits two{2, {}};
  for (const char* id : {"a", "b", "c"}) enqueue(s, id);
  EXPECT_EQ(claim(s, two), "a");
  EXPECT_EQ(claim(s, two), "b");
  EXPECT_EQ(claim(s, two), "-");
  s.finish_run("a", "success", "2026-01-01T00:00:00Z", "{}");
  EXPECT_EQ(claim(s, two), "c");
}

TEST(RunQueue, TagLimitsHoldBackOnlyTheirRuns) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  QueueLimits limits{std::nullopt, {{"team", std::string("fin"), 1}, {"db", std::nullopt, 2}}};
  enqueue(s, "fin1", 0, {{"team", "fin"}});
  enqueue(s, "fin2", 0, {{"team", "fin"}});
  enqueue(s, "ops1", 0, {{"team", "ops"}});
  enqueue(s, "db1", 0, {{"db", "x"}});
  enqueue(s, "db2", 0, {{"db", "y"}});
  enqueue(s, "db3", 0, {{"db", "x"}});
  EXPECT_EQ(claim(s, limits), "fin1");
  // fin2 waits for fin1; the runs behind it do not wait for fin2.
  EXPECT_EQ(claim(s, limits), "ops1");
  EXPECT_EQ(claim(s, limits), "db1");
  EXPECT_EQ(claim(s, limits), "db2");  // the db limit (any value) is full now
  EXPECT_EQ(claim(s, limits), "-");
  s.finish_run("fin1", "success", "2026-01-01T00:00:00Z", "{}");
  EXPECT_EQ(claim(s, limits), "fin2");
  s.finish_run("db2", "error", "2026-01-01T00:00:00Z", "{}");
  EXPECT_EQ(claim(s, limits), "db3");
  EXPECT_TRUE(s.queued_runs().empty());
}

TEST(RunQueue, AdmittedRunsOfOtherOwnersKeepTheirSlot) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  enqueue(s, "first");
  enqueue(s, "second");
  QueueLimits one{1, {}};
  auto only = [](const std::string& id) { return [id](const RunRecord& r) { return r.run_id == id; }; };
  // "first" is admitted (its owner takes it on its next look): "second" does not overtake it.
  EXPECT_FALSE(s.claim_queued_run(one, only("second")));
  EXPECT_TRUE(s.claim_queued_run(one, only("first")));
  EXPECT_FALSE(s.claim_queued_run(one, only("second")));
}

TEST(RunQueue, CancelQueuedRunAndOwnerRecorded) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  enqueue(s, "mine", 0, {{"k", "v"}}, false);
  enqueue(s, "free", 0, {}, true);
  auto q = s.queued_runs();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_TRUE(q[0].run.pid.has_value());   // waited for by this process
  EXPECT_FALSE(q[1].run.pid.has_value());  // submitted: any launcher
  EXPECT_EQ(q[0].tags.at("k"), "v");
  EXPECT_TRUE(s.cancel_queued_run("mine"));
  EXPECT_FALSE(s.cancel_queued_run("mine"));
  EXPECT_EQ(s.find_run("mine")->status, "cancelled");
  EXPECT_FALSE(s.find_run("mine")->finished_at.empty());
  // A claimed run starts for real with start_run (an upsert of the queued row).
  EXPECT_EQ(claim(s), "free");
  s.start_run({"free", "materialize", "", "{}", "running", "2026-01-01T00:00:00Z", "", "", "cli", "", ""});
  EXPECT_EQ(s.find_run("free")->status, "running");
  EXPECT_FALSE(s.cancel_queued_run("free"));
}

TEST(RunQueue, RacingSqliteConnectionsClaimEachRunOnce) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  for (int i = 0; i < 60; ++i) s.enqueue_run(queued("r" + std::to_string(i)), {}, true);
  auto claims = race([&] { return RunStore::open(dir.path() / "state.db"); }, 4);
  EXPECT_EQ(claims.size(), 60u);
  for (const auto& [id, n] : claims) EXPECT_EQ(n, 1) << id;
}

TEST(RunQueue, RacingPostgresConnectionsCreateANewStoreOnce) {
  std::string why;
  auto server = test::PostgresServer::start(why);
  ASSERT_TRUE(server) << why;
  std::string spec = "postgres:" + server->create_database("create_race");
  std::atomic<int> opened{0};
  std::mutex m;
  std::vector<std::string> errors;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      try {
        RunStore c = RunStore::open_spec(spec, ".");
        c.enqueue_run(queued("r" + std::to_string(++opened)), {}, true);
      } catch (const std::exception& e) {
        std::lock_guard lock(m);
        errors.push_back(e.what());
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(RunStore::open_spec(spec, ".").recent_runs(10).size(), 4u);
}

TEST(RunQueue, RunsOfOneAssetFinishingAtOnceOnPostgresRecordTheirStretches) {
  std::string why;
  auto server = test::PostgresServer::start(why);
  ASSERT_TRUE(server) << why;
  std::string spec = "postgres:" + server->create_database("stretch_race");
  (void)RunStore::open_spec(spec, ".");
  std::mutex m;
  std::vector<std::string> errors;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      RunStore c = RunStore::open_spec(spec, ".");
      for (int k = 0; k < 20; ++k) {
        try {
          c.record_partition_range({"mark", "", 0, 1, "materialized", "r" + std::to_string(t * 100 + k),
                                    "2026-01-01T00:00:00Z", ""});
        } catch (const std::exception& e) {
          std::lock_guard lock(m);
          errors.push_back(e.what());
        }
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, e.g. " << errors.front();
  EXPECT_EQ(RunStore::open_spec(spec, ".").partition_ranges_of("mark").size(), 1u);
}

TEST(RunQueue, RacingPostgresConnectionsClaimEachRunOnceWithinTheLimit) {
  std::string why;
  auto server = test::PostgresServer::start(why);
  ASSERT_TRUE(server) << why;
  std::string conninfo = server->create_database("queue_race");
  RunStore s = RunStore::open_spec("postgres:" + conninfo, ".");
  for (int i = 0; i < 60; ++i) s.enqueue_run(queued("r" + std::to_string(i)), {}, true);
  auto claims = race([&] { return RunStore::open_spec("postgres:" + conninfo, "."); }, 4);
  EXPECT_EQ(claims.size(), 60u);
  for (const auto& [id, n] : claims) EXPECT_EQ(n, 1) << id;
  // The global limit holds across connections: racing claimers never start more than it.
  for (int i = 0; i < 8; ++i) s.enqueue_run(queued("l" + std::to_string(i)), {}, true);
  for (const auto& r : s.recent_runs(100))
    if (r.status == "running") s.finish_run(r.run_id, "success", "2026-01-01T00:00:00Z", "{}");
  std::atomic<int> got{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      RunStore c = RunStore::open_spec("postgres:" + conninfo, ".");
      for (int k = 0; k < 5; ++k)
        if (c.claim_queued_run({3, {}}, any)) ++got;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(got.load(), 3);
}

TEST(PoolSlots, HeldAcrossRunsAndFreedWithTheRun) {
  test::TempDir dir;
  RunStore s = RunStore::open(dir.path() / "state.db");
  for (const char* id : {"r1", "r2"})
    s.start_run({id, "materialize", "", "{}", "running", "2026-01-01T00:00:00Z", "", "", "cli", "", ""});
  RunStore other = RunStore::open(dir.path() / "state.db");
  EXPECT_TRUE(s.claim_pool_slot("db", 2, "r1", "a"));
  EXPECT_TRUE(other.claim_pool_slot("db", 2, "r2", "b"));
  EXPECT_FALSE(other.claim_pool_slot("db", 2, "r2", "c"));  // full across runs
  EXPECT_TRUE(other.claim_pool_slot("web", 1, "r2", "w"));  // another pool
  s.release_pool_slot("r1", "a");
  EXPECT_TRUE(other.claim_pool_slot("db", 2, "r2", "c"));
  EXPECT_FALSE(s.claim_pool_slot("db", 2, "r1", "d"));
  // A run that ends (or is found crashed) no longer holds its slots.
  s.finish_run("r2", "crashed", "2026-01-01T00:00:01Z", "{}");
  EXPECT_TRUE(s.claim_pool_slot("db", 2, "r1", "d"));
  EXPECT_TRUE(s.claim_pool_slot("db", 2, "r1", "e"));
  EXPECT_FALSE(s.claim_pool_slot("db", 2, "r1", "f"));
}

}  // namespace pond::runstore
