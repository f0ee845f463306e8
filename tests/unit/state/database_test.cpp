#include "state/database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"

namespace pond::state {
namespace {

// What both backends must do alike: typed parameters, text results, rollback on scope exit,
// Conflict on a unique-key race, RETURNING, the dialect's identity column.
void exercise(Database& db) {
  db.execute_script("CREATE TABLE t (id " + db.identity_primary_key() +
                    ", k TEXT NOT NULL UNIQUE, n BIGINT, x DOUBLE PRECISION, b BOOLEAN)");
  auto id = db.query("INSERT INTO t (k, n, x, b) VALUES (?, ?, ?, ?) RETURNING id",
                     {std::string("a"), std::int64_t{42}, 1.5, true});
  ASSERT_EQ(id.size(), 1u);
  EXPECT_EQ(to_int(id[0][0]), 1);
  db.execute("INSERT INTO t (k, n, x, b) VALUES (?, ?, ?, ?)",
             {std::string("it's ?"), std::monostate{}, 2.25, false});
  auto rows = db.query("SELECT k, n, x FROM t WHERE k = ? OR n = ? ORDER BY id",
                       {std::string("it's ?"), std::int64_t{42}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "a");
  EXPECT_EQ(to_opt_int(rows[0][1]), 42);
  EXPECT_EQ(to_opt_double(rows[0][2]), 1.5);
  EXPECT_EQ(rows[1][0], "it's ?");
  EXPECT_FALSE(rows[1][1].has_value());
  {
    Transaction tx(db, true);
    db.execute("INSERT INTO t (k) VALUES (?)", {std::string("rolled back")});
    EXPECT_TRUE(db.in_transaction());
  }
  EXPECT_FALSE(db.in_transaction());
  EXPECT_TRUE(db.query("SELECT 1 FROM t WHERE k = 'rolled back'").empty());
  EXPECT_THROW(db.execute("INSERT INTO t (k) VALUES (?)", {std::string("a")}), Conflict);
  EXPECT_THROW(db.execute("SELECT * FROM no_such_table"), Error);
  EXPECT_TRUE(db.table_exists("t"));
  EXPECT_FALSE(db.table_exists("no_such_table"));
}

TEST(StateSqlite, BehavesAsTheInterfaceSays) {
  test::TempDir dir;
  auto db = open_sqlite((dir.path() / "s.db").string());
  EXPECT_EQ(db->kind(), Kind::kSqlite);
  exercise(*db);
}

TEST(StateSqlite, TwoConnectionsShareTheFile) {
  test::TempDir dir;
  std::string path = (dir.path() / "s.db").string();
  auto a = open_sqlite(path);
  auto b = open_sqlite(path);
  a->execute_script("CREATE TABLE t (k TEXT)");
  Transaction tx(*a, true);
  a->execute("INSERT INTO t VALUES ('x')");
  EXPECT_TRUE(b->query("SELECT * FROM t").empty());  // WAL: the reader sees the last commit
  tx.commit();
  EXPECT_EQ(b->query("SELECT * FROM t").size(), 1u);
}

// Two processes creating the same store at once: both read the new file, then both want the
// exclusive lock of the switch to WAL, and SQLite answers one of them SQLITE_BUSY at once
// (it does not call the busy handler where waiting could deadlock).
TEST(StateSqlite, ConnectionsRacingToCreateTheSameFileAllOpen) {
  test::TempDir dir;
  for (int round = 0; round < 30; ++round) {
    std::string path = (dir.path() / ("s" + std::to_string(round) + ".db")).string();
    std::atomic<int> failures{0};
    std::string first_error;
    std::mutex error_mutex;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        try {
          auto db = open_sqlite(path);
          db->query("SELECT count(*) FROM sqlite_master");
        } catch (const std::exception& e) {
          ++failures;
          std::lock_guard lock(error_mutex);
          first_error = e.what();
        }
      });
    for (auto& t : threads) t.join();
    ASSERT_EQ(failures, 0) << "round " << round << ": " << first_error;
  }
}

TEST(StatePostgres, BehavesAsTheInterfaceSays) {
  std::string why;
  auto server = test::PostgresServer::start(why);
  ASSERT_TRUE(server) << why;
  auto db = open_postgres(server->create_database("state_basic"));
  EXPECT_EQ(db->kind(), Kind::kPostgres);
  exercise(*db);
}

TEST(StatePostgres, ConnectionErrorsHideThePassword) {
  try {
    open_postgres("host=/nonexistent/socket port=1 user=u password=s3cret dbname=x connect_timeout=1");
    FAIL() << "connected";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
    EXPECT_NE(what.find("password=***"), std::string::npos) << what;
  }
}

TEST(Redact, KeyValueAndUriForms) {
  EXPECT_EQ(redact_conninfo("host=h password=secret dbname=d"), "host=h password=*** dbname=d");
  EXPECT_EQ(redact_conninfo("password='sec ret' user=u"), "password=*** user=u");
  EXPECT_EQ(redact_conninfo("postgresql://user:secret@host:5432/db"), "postgresql://user:***@host:5432/db");
  EXPECT_EQ(redact_conninfo("postgres://host/db?sslmode=require&password=secret"),
            "postgres://host/db?sslmode=require&password=***");
  EXPECT_EQ(redact_conninfo("postgres://user@host/db"), "postgres://user@host/db");
}

}  // namespace
}  // namespace pond::state
