// Several processes on one lake: readers while a writer commits, two writers at once, and
// writers killed at random points. The child processes are this test binary itself, run
// with --gtest_filter=LakeChild.* and the role in environment variables.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "lake/catalog.hpp"
#include "lake_test_util.hpp"
#include "support/process.hpp"

namespace pond::lake {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

LakeConfig child_config() {
  LakeConfig c;
  c.catalog = env("POND_LAKE_CATALOG");
  c.data_path = env("POND_LAKE_DATA");
  return c;
}

// Runs one child role; returns what it printed.
test::ProcessResult run_child(const std::string& role, const LakeConfig& config, int n, int id,
                              std::optional<std::chrono::milliseconds> kill_after = std::nullopt) {
  test::ProcessOptions o;
  o.env = {{"POND_LAKE_CHILD", role},
           {"POND_LAKE_CATALOG", config.catalog},
           {"POND_LAKE_DATA", config.data_path},
           {"POND_LAKE_N", std::to_string(n)},
           {"POND_LAKE_ID", std::to_string(id)}};
  if (kill_after) {
    o.signal_after = *kill_after;
    o.signal = 9;
  }
  o.timeout = std::chrono::milliseconds(120000);
  return test::run_process({self_exe(), "--gtest_filter=LakeChild.Run"}, o);
}

// Checks that the lake is whole: every row counted by the catalog is readable.
void expect_consistent(Lake& lake, engine::Connection& con, const std::string& table) {
  Table t = lake.table(table);
  auto stats =
      lake.catalog_db().query("SELECT record_count FROM ducklake_table_stats WHERE table_id = ?", {t.id});
  std::string rows = testing::scalar(con, "SELECT count(*) FROM (" + lake.scan(table).sql + ")");
  ASSERT_FALSE(stats.empty());
  EXPECT_EQ(rows, stats[0][0].value_or("?"));
}

}  // namespace

// The child side; does nothing in a normal test run.
TEST(LakeChild, Run) {
  std::string role = env("POND_LAKE_CHILD");
  if (role.empty()) GTEST_SKIP() << "only runs as a child process of the concurrency tests";
  int n = std::atoi(env("POND_LAKE_N").c_str());
  int id = std::atoi(env("POND_LAKE_ID").c_str());
  Lake lake = Lake::open(child_config());
  engine::Database db = engine::Database::open(":memory:", {{"threads", "1"}});
  engine::Connection con(db);
  if (role == "writer") {
    // Each commit appends 10 rows whose ids say which writer and which commit wrote them.
    for (int i = 0; i < n; ++i) {
      auto r = lake.append(con, "t",
                           "SELECT " + std::to_string(id) + " AS writer, " + std::to_string(i) +
                               " AS seq, range AS k FROM range(10)");
      std::printf("committed %lld\n", static_cast<long long>(r.snapshot_id));
      std::fflush(stdout);
    }
  } else if (role == "reader") {
    // Reads until the writer's last snapshot is visible; every read must see whole commits.
    std::int64_t target = n;
    int reads = 0;
    for (;;) {
      Snapshot s = lake.latest_snapshot();
      ScanPlan plan = lake.scan("t", SnapshotRef{s.id, std::nullopt});
      auto rows =
          con.query("SELECT count(*), count(DISTINCT (writer, seq)) FROM (" + plan.sql + ")").rows_as_text();
      long long count = std::stoll(*rows[0][0]);
      long long commits = std::stoll(*rows[0][1]);
      ASSERT_EQ(count, commits * 10) << "a partial commit was visible at snapshot " << s.id;
      ASSERT_EQ(commits, s.id - 1) << "snapshot " << s.id << " shows the wrong number of commits";
      ++reads;
      if (commits >= target) break;
    }
    std::printf("reads %d\n", reads);
  }
}

class LakeConcurrency : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testing::sqlite_config(dir_);
    config_.catalog = "sqlite:" + (dir_ / "lake.sqlite").string();
    config_.data_path = (dir_ / "lake").string();
    Lake lake = Lake::open(config_);
    lake.create_table("t", {{"writer", "INTEGER"}, {"seq", "INTEGER"}, {"k", "BIGINT"}});
  }
  test::TempDir dir_;
  LakeConfig config_;
};

TEST_F(LakeConcurrency, ReaderSeesOnlyWholeSnapshotsWhileAWriterCommits100Times) {
  test::ProcessResult writer, reader;
  std::thread w([&] { writer = run_child("writer", config_, 100, 1); });
  std::thread r([&] { reader = run_child("reader", config_, 100, 0); });
  w.join();
  r.join();
  EXPECT_EQ(writer.exit_code, 0) << writer.out << writer.err;
  EXPECT_EQ(reader.exit_code, 0) << reader.out << reader.err;
  EXPECT_EQ(reader.err.find("lock"), std::string::npos) << reader.err;
  Lake lake = Lake::open(config_);
  EXPECT_EQ(lake.latest_snapshot().id, 101);
}

TEST_F(LakeConcurrency, TwoWritersLoseNoRows) {
  test::ProcessResult a, b;
  std::thread ta([&] { a = run_child("writer", config_, 30, 1); });
  std::thread tb([&] { b = run_child("writer", config_, 30, 2); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  Lake lake = Lake::open(config_);
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  std::string sql = lake.scan("t").sql;
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM (" + sql + ")"), "600");
  EXPECT_EQ(testing::scalar(con, "SELECT count(DISTINCT (writer, seq, k)) FROM (" + sql + ")"), "600");
  EXPECT_EQ(lake.latest_snapshot().id, 61);
  expect_consistent(lake, con, "t");
}

TEST_F(LakeConcurrency, WritersKilledAtRandomPointsLeaveTheLakeConsistent) {
  std::mt19937 rng(42);
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  int killed = 0;
  for (int round = 0; round < 8; ++round) {
    auto delay = std::chrono::milliseconds(150 + rng() % 400);
    auto res = run_child("writer", config_, 1000, round, delay);
    if (res.exit_code == 128 + 9) ++killed;
    Lake lake = Lake::open(config_);
    expect_consistent(lake, con, "t");
    // Every commit the writer reported is there, whole.
    std::string sql = lake.scan("t").sql;
    EXPECT_EQ(testing::scalar(con, "SELECT count(*) % 10 FROM (" + sql + ")"), "0");
  }
  EXPECT_GT(killed, 0);
  Lake lake = Lake::open(config_);
  lake.cleanup(false, 0);
  // After cleanup every parquet file on disk is one the catalog names, and all are readable.
  auto referenced = lake.catalog_db().query("SELECT count(*) FROM ducklake_data_file");
  std::size_t on_disk = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir_ / "lake"))
    if (e.path().extension() == ".parquet") ++on_disk;
  EXPECT_EQ(std::to_string(on_disk), referenced[0][0].value_or("?"));
  expect_consistent(lake, con, "t");
}

}  // namespace pond::lake
