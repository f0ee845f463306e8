// The same lake work against each catalog database: SQLite, DuckDB file, PostgreSQL.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "lake/catalog.hpp"
#include "lake/table_lock.hpp"
#include "lake_test_util.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"

namespace pond::lake {

namespace {

using testing::scalar;

// Creates, writes, evolves, deletes and time-travels; checks each step.
void exercise(const LakeConfig& config) {
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  Lake lake = Lake::open(config);
  auto count = [&](const SnapshotRef& ref = {}) {
    return scalar(con, "SELECT count(*) FROM (" + lake.scan("s.t", ref).sql + ")");
  };
  auto v1 = lake.create_table_as(con, "s.t", "SELECT range::INTEGER AS id, range % 7 AS g FROM range(500)")
                .snapshot_id;
  auto v2 = lake.append(con, "s.t", "SELECT 1000 AS id, 1 AS g").snapshot_id;
  lake.add_column("s.t", {"note", "VARCHAR", std::string("none")});
  auto v4 = lake.delete_where(con, "s.t", "g = 0").snapshot_id;
  lake.update(con, "s.t", "note = 'upd'", "id < 10");
  EXPECT_EQ(count({v1, std::nullopt}), "500");
  EXPECT_EQ(count({v2, std::nullopt}), "501");
  EXPECT_EQ(count({v4, std::nullopt}), "429");
  EXPECT_EQ(count(), "429");
  EXPECT_EQ(scalar(con, "SELECT count(*) FROM (" + lake.scan("s.t").sql + ") WHERE note = 'upd'"), "8");
  EXPECT_EQ(scalar(con, "SELECT count(*) FROM (" + lake.scan("s.t").sql + ") WHERE note = 'none'"), "421");
  lake.create_view("s.v", "SELECT count(*) AS n FROM s.t");
  lake.attach(con);
  EXPECT_EQ(scalar(con, "SELECT n FROM s.v"), "429");
  auto snaps = lake.snapshots();
  EXPECT_EQ(snaps.back().changes, "created_view:\"s\".\"v\"");
  // Reopening finds the stored data path.
  LakeConfig again = config;
  again.data_path.clear();
  Lake reopened = Lake::open(again);
  EXPECT_EQ(reopened.data_root(), lake.data_root());
}

TEST(LakeCatalogs, Sqlite) {
  test::TempDir dir;
  exercise(testing::sqlite_config(dir));
}

TEST(LakeCatalogs, DuckDbFile) {
  test::TempDir dir;
  LakeConfig c = testing::sqlite_config(dir);
  c.catalog = "duckdb:lake.ducklake";
  exercise(c);
}

namespace {

// Connections opening one new lake at once: it is created once, every opener reads it.
void open_new_lake_racing(const LakeConfig& c) {
  std::mutex m;
  std::vector<std::string> errors;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      try {
        Lake lake = Lake::open(c);
        (void)lake.latest_snapshot();
      } catch (const std::exception& e) {
        std::lock_guard lock(m);
        errors.push_back(e.what());
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  auto db = open_catalog_db(c.catalog);
  EXPECT_EQ(*db->query("SELECT count(*) FROM ducklake_snapshot")[0][0], "1");
  EXPECT_EQ(*db->query("SELECT count(*) FROM ducklake_metadata WHERE key = 'version'")[0][0], "1");
}

}  // namespace

class LakePostgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    server_ = test::PostgresServer::start(why).release();
    if (!server_) skip_reason_ = new std::string(why);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete skip_reason_;
    skip_reason_ = nullptr;
  }
  void SetUp() override {
    if (!server_) GTEST_SKIP() << "PostgreSQL tests skipped: " << (skip_reason_ ? *skip_reason_ : "");
  }
  static test::PostgresServer* server_;
  static std::string* skip_reason_;
};
test::PostgresServer* LakePostgres::server_ = nullptr;
std::string* LakePostgres::skip_reason_ = nullptr;

TEST(LakeCatalogs, SqliteLakeOpenedByRacingConnectionsIsCreatedOnce) {
  test::TempDir dir;
  LakeConfig c;
  c.catalog = "sqlite:" + (dir / "catalog.sqlite").string();
  c.data_path = (dir / "data").string();
  open_new_lake_racing(c);
}

TEST_F(LakePostgres, LakeOpenedByRacingConnectionsIsCreatedOnce) {
  test::TempDir dir;
  LakeConfig c;
  c.catalog = "postgres:" + server_->create_database("lake_create_race");
  c.data_path = (dir / "data").string();
  open_new_lake_racing(c);
}

TEST_F(LakePostgres, SameBehaviourAsTheEmbeddedCatalogs) {
  test::TempDir dir;
  LakeConfig c;
  c.catalog = "postgres:" + server_->create_database("lake_basic");
  c.data_path = (dir / "data").string();
  exercise(c);
}

TEST_F(LakePostgres, TwoWriterProcessesCommittingToOneTableLoseNothing) {
  test::TempDir dir;
  LakeConfig c;
  c.catalog = "postgres:" + server_->create_database("lake_writers");
  c.data_path = (dir / "data").string();
  {
    Lake lake = Lake::open(c);
    lake.create_table("t", {{"writer", "INTEGER"}, {"seq", "INTEGER"}, {"k", "BIGINT"}});
  }
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  ASSERT_GT(n, 0);
  std::string exe(buf, static_cast<std::size_t>(n));
  auto writer = [&](int id) {
    test::ProcessOptions o;
    o.env = {{"POND_LAKE_CHILD", "writer"},
             {"POND_LAKE_CATALOG", c.catalog},
             {"POND_LAKE_DATA", c.data_path},
             {"POND_LAKE_N", "25"},
             {"POND_LAKE_ID", std::to_string(id)}};
    return test::run_process({exe, "--gtest_filter=LakeChild.Run"}, o);
  };
  test::ProcessResult a, b;
  std::thread ta([&] { a = writer(1); });
  std::thread tb([&] { b = writer(2); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  Lake lake = Lake::open(c);
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  std::string sql = lake.scan("t").sql;
  EXPECT_EQ(scalar(con, "SELECT count(DISTINCT (writer, seq, k)) FROM (" + sql + ")"), "500");
  EXPECT_EQ(scalar(con, "SELECT count(*) FROM (" + sql + ")"), "500");
  EXPECT_EQ(lake.latest_snapshot().id, 51);
  // Row ids never overlap: each file starts where the previous one ended.
  auto gaps = lake.catalog_db().query(
      "SELECT count(*) FROM (SELECT row_id_start, record_count, lead(row_id_start) OVER (ORDER BY "
      "row_id_start) AS "
      "nxt FROM ducklake_data_file) x WHERE nxt IS NOT NULL AND nxt <> row_id_start + record_count");
  EXPECT_EQ(gaps[0][0].value_or("?"), "0");
}

TEST_F(LakePostgres, ConflictingDeletesFailInsteadOfLosingUpdates) {
  test::TempDir dir;
  LakeConfig c;
  c.catalog = "postgres:" + server_->create_database("lake_conflict");
  c.data_path = (dir / "data").string();
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  Lake a = Lake::open(c);
  a.create_table_as(con, "t", "SELECT range AS id FROM range(100)");
  Lake b = Lake::open(c);
  // b deletes after a's delete started from the same snapshot: run_commit sees a's
  // deleted_from_table in between and refuses.
  Snapshot base = b.latest_snapshot();
  a.delete_where(con, "t", "id < 10");
  CommitIntent intent;
  intent.deletes.insert(a.table("t").id);
  EXPECT_THROW(run_commit(b.catalog_db(), base.id, intent,
                          [](CommitContext& ctx) { ctx.change("deleted_from_table:1"); }),
               UserError);
  // Appends do not conflict with each other.
  CommitIntent append_intent;
  append_intent.inserts.insert(a.table("t").id);
  EXPECT_NO_THROW(run_commit(b.catalog_db(), base.id, append_intent,
                             [](CommitContext& ctx) { ctx.change("inserted_into_table:1"); }));
}

// Writers of one table take turns; other tables are not blocked; a timeout names the holder.
void check_table_lock(const LakeConfig& c, const std::string& holder_text) {
  Lake a = Lake::open(c);
  Lake b = Lake::open(c);
  {
    TableLock held = TableLock::acquire(a, "main.t", "run r1 step s1", std::chrono::milliseconds(1000));
    TableLock other = TableLock::acquire(b, "main.u", "run r2", std::chrono::milliseconds(1000));
    try {
      TableLock::acquire(b, "main.t", "run r2", std::chrono::milliseconds(200));
      ADD_FAILURE() << "a second writer of main.t got the lock";
    } catch (const UserError& e) {
      EXPECT_NE(e.message().find("the lake table main.t is being written by " + holder_text),
                std::string::npos)
          << e.message();
    }
  }
  auto start = std::chrono::steady_clock::now();
  TableLock::acquire(b, "main.t", "run r2", std::chrono::milliseconds(1000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

}  // namespace

}  // namespace pond::lake

namespace pond::lake {

TEST(LakeTableLock, FileCatalogsTakeTurnsPerTable) {
  test::TempDir dir;
  check_table_lock(testing::sqlite_config(dir), "run r1 step s1 (pid ");
}

TEST_F(LakePostgres, WritersOfOneTableTakeTurnsThroughAdvisoryLocks) {
  test::TempDir dir;
  LakeConfig c;
  c.catalog = "postgres:" + server_->create_database("lake_locks");
  c.data_path = (dir / "data").string();
  check_table_lock(c, "PostgreSQL backend pid ");
}

}  // namespace pond::lake
