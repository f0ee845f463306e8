#include "runstore/run_store.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace pond::runstore {

TEST(RunStore, MigratesAFreshStoreAndReopens) {
  test::TempDir dir;
  auto path = dir.path() / ".pond" / "state.db";
  {
    RunStore store = RunStore::open(path);
    EXPECT_EQ(store.schema_version(), run_store_migrations().back().version);
  }
  RunStore again = RunStore::open(path);  // idempotent
  EXPECT_EQ(again.schema_version(), run_store_migrations().back().version);
  auto db = state::open_sqlite(path.string());
  EXPECT_EQ(db->query("PRAGMA journal_mode")[0][0], "wal");
}

TEST(RunStore, MigrationsApplyInOrderOnlyOnceAndRefuseNewerStores) {
  test::TempDir dir;
  auto path = (dir.path() / "m.db").string();
  auto db_ptr = state::open_sqlite(path);
  state::Database& db = *db_ptr;
  std::vector<Migration> v1 = {{1, "t", "CREATE TABLE t (a INTEGER)"}};
  EXPECT_EQ(apply_migrations(db, v1), 1);
  db.execute("INSERT INTO t VALUES (1)");
  std::vector<Migration> v3 = {v1[0],
                               {2, "add b", "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'"},
                               {3, "index", "CREATE INDEX t_b ON t(b)"}};
  EXPECT_EQ(apply_migrations(db, v3), 3);
  EXPECT_EQ(apply_migrations(db, v3), 3);
  EXPECT_EQ(db.query("SELECT a, b FROM t")[0][1], "x");
  EXPECT_EQ(db.query("SELECT count(*) FROM schema_version")[0][0], "3");
  EXPECT_THROW(apply_migrations(db, v1), state::Error);
  // A failing migration leaves the store at the previous version.
  std::vector<Migration> bad = v3;
  bad.push_back({4, "broken", "CREATE TABLE u (x); SELECT no_such_function()"});
  EXPECT_THROW(apply_migrations(db, bad), state::Error);
  auto v = db.query(
      "SELECT max(version), (SELECT count(*) FROM sqlite_master WHERE name = 'u') FROM schema_version");
  EXPECT_EQ(v[0][0], "3");
  EXPECT_EQ(v[0][1], "0");
}

TEST(RunStore, RecordsRunsStepsEventsMaterializationsAndChecks) {
  test::TempDir dir;
  RunStore store = RunStore::open(dir.path() / "state.db");
  std::string id = random_uuid();
  EXPECT_EQ(id.size(), 36u);
  EXPECT_NE(id, random_uuid());
  store.start_run(
      {id, "build", "+customers", "{}", "running", "2026-11-21T10:00:00Z", "", "dev", "cli", "", ""});
  StepRecord s;
  s.run_id = id;
  s.step_key = "model.shop.customers";
  s.resource_type = "model";
  s.status = "running";
  s.step_index = 1;
  store.record_step(s);
  s.status = "success";
  s.rows_affected = 1200;
  s.duration_ms = 50;
  store.record_step(s);  // replaces the running row
  store.record_materialization(
      {"main.customers", id, s.step_key, "2026-11-21T10:00:01Z", "", 1200, {}, 50.0, {}, ""});
  store.record_check({"main.customers", "test.shop.unique_customers_id", id, "", "2026-11-21T10:00:02Z",
                      "fail", "error", 3, "Got 3 results"});
  EXPECT_GT(store.record_event({0, id, "", "2026-11-21T10:00:02Z", "info", "log", "hello", ""}), 0);
  store.finish_run(id, "error", "2026-11-21T10:00:03Z", R"({"total":1})");

  std::string older = random_uuid();
  store.start_run({older, "seed", "", "{}", "running", "2026-11-20T10:00:00Z", "", "dev", "cli", "", ""});

  auto runs = store.recent_runs(10);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].run_id, id);
  EXPECT_EQ(runs[0].status, "error");
  EXPECT_EQ(runs[0].finished_at, "2026-11-21T10:00:03Z");
  EXPECT_EQ(store.recent_runs(1).size(), 1u);
  auto found = store.find_run(id.substr(0, 8));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->selection, "+customers");
  EXPECT_FALSE(store.find_run("zzzz"));
  auto steps = store.steps_of(id);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].status, "success");
  EXPECT_EQ(steps[0].rows_affected, 1200);
  EXPECT_EQ(store.materializations_of("main.customers", 5).at(0).rows, 1200);
  EXPECT_EQ(store.checks_of_run(id).at(0).failures, 3);
  EXPECT_EQ(store.events_of(id).at(0).message, "hello");

  // An asset's check history: most recent first, limited, other assets left out.
  store.record_check({"main.customers", "test.shop.unique_customers_id", older, "", "2026-11-21T11:00:00Z",
                      "pass", "error", 0, ""});
  store.record_check({"main.orders", "test.shop.unique_orders_id", older, "", "2026-11-21T11:00:01Z", "pass",
                      "error", 0, ""});
  auto history = store.checks_of("main.customers", 10);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].status, "pass");
  EXPECT_EQ(history[1].status, "fail");
  EXPECT_EQ(history[1].message, "Got 3 results");
  EXPECT_EQ(store.checks_of("main.customers", 1).size(), 1u);
  EXPECT_TRUE(store.checks_of("main.nothing", 10).empty());
}

TEST(RunStore, LastRunAndWhatToRetry) {
  test::TempDir dir;
  RunStore store = RunStore::open(dir.path() / "state.db");
  EXPECT_FALSE(store.last_run());
  store.start_run({"r1", "build", "", "{}", "running", "2026-11-21T10:00:00Z", "", "", "cli", "", ""});
  store.start_run({"r2", "runs", "", "{}", "running", "2026-11-21T11:00:00Z", "", "", "cli", "", ""});
  EXPECT_EQ(store.last_run()->run_id, "r2");
  EXPECT_EQ(store.last_run({"build", "run"})->run_id, "r1");
  int i = 0;
  for (const char* status : {"success", "error", "skipped", "pass", "fail", "warn", "running"}) {
    StepRecord s;
    s.run_id = "r1";
    s.step_key = std::string("node.") + status;
    s.resource_type = "model";
    s.status = status;
    s.step_index = ++i;
    store.record_step(s);
  }
  std::string keys;
  for (const auto& s : store.steps_to_retry("r1")) keys += s.step_key + " ";
  EXPECT_EQ(keys, "node.error node.skipped node.fail node.running ");
}

}  // namespace pond::runstore
