// Reading a lake pond did not write: the evolve fixture, written by DuckDB 1.5's own
// ducklake extension, read at every snapshot and checked against the extension's answers.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "lake/catalog_schema.hpp"
#include "lake/commit.hpp"
#include "lake/time_travel.hpp"
#include "lake_test_util.hpp"

namespace pond::lake {

namespace {

std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

class FixtureLake : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::fixture_dir().empty())
      GTEST_SKIP() << "fixture ../shared/fixtures/ducklake/evolve is missing";
    root_ = testing::copy_fixture(dir_);
  }
  Lake open() {
    LakeConfig c;
    c.catalog = "duckdb:" + (root_ / "evolve.ducklake").string();
    return Lake::open(c, false);
  }
  test::TempDir dir_;
  std::filesystem::path root_;
};

TEST_F(FixtureLake, EverySnapshotMatchesTheExtensionsAnswers) {
  Lake lake = open();
  EXPECT_EQ(lake.latest_snapshot().id, 14);
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  int checked = 0;
  for (int v = 2; v <= 12; ++v) {
    auto expected = read_csv(dir_.path() / "evolve" / ("expected_orders_v" + std::to_string(v) + ".csv"));
    ASSERT_EQ(expected.size(), 2u);
    ScanPlan plan = lake.scan("sales.orders", SnapshotRef{v, std::nullopt});
    auto rows =
        con.query("SELECT count(*)::VARCHAR, sum(id)::VARCHAR FROM (" + plan.sql + ")").rows_as_text();
    EXPECT_EQ(rows[0][0].value_or(""), expected[1][1]) << "count at snapshot " << v;
    EXPECT_EQ(rows[0][1].value_or(""), expected[1][2]) << "sum(id) at snapshot " << v;
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

TEST_F(FixtureLake, LatestStateThroughViews) {
  Lake lake = open();
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  EXPECT_EQ(lake.attach(con), 14);
  auto expected = read_csv(dir_.path() / "evolve/expected_orders_latest.csv");
  auto rows = con.query(
                     "SELECT count(*)::VARCHAR, sum(id)::VARCHAR, sum(amount)::VARCHAR, "
                     "count(customer_name)::VARCHAR, "
                     "count(channel)::VARCHAR FROM sales.orders")
                  .rows_as_text();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rows[0][i].value_or(""), expected[1][i]) << expected[0][i];
  // Renamed column, added column with its default for old rows, dropped column gone.
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM sales.orders WHERE channel = 'web'"), "992");
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM sales.orders WHERE channel = 'store'"), "50");
  EXPECT_THROW(con.query("SELECT tags FROM sales.orders"), std::exception);
  // Inlined rows: the updated ones (ids 1..5) and the inserted ones (1001, 1002).
  EXPECT_EQ(testing::scalar(con, "SELECT amount FROM sales.orders WHERE id = 3"), "1003.75");
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM sales.orders WHERE id IN (1001, 1002)"), "2");

  auto events = read_csv(dir_.path() / "evolve/expected_events_latest.csv");
  auto got =
      con.query(
             "SELECT day::VARCHAR, kind, count(*)::VARCHAR, sum(n)::VARCHAR FROM sales.events GROUP BY ALL "
             "ORDER BY ALL")
          .rows_as_text();
  ASSERT_EQ(got.size() + 1, events.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    for (int c = 0; c < 4; ++c) EXPECT_EQ(got[i][c].value_or(""), events[i + 1][c]) << "events row " << i;
  // The lake's own view.
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM sales.big_orders"),
            testing::scalar(con, "SELECT count(*) FROM sales.orders WHERE amount > 1000"));
}

TEST_F(FixtureLake, LakeScanInSqlTravelsInTime) {
  Lake lake = open();
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  std::string sql = expand_lake_scans(
      lake,
      "SELECT (SELECT count(*) FROM lake_scan('sales.orders', version => 4)) || '/' || (SELECT count(*) FROM "
      "LAKE_SCAN('sales.orders', version => 5) AS o WHERE o.id > 0) || '/' || (SELECT count(*) FROM "
      "lake_scan('sales.orders')) || ' lake_scan(''x'')'");
  EXPECT_EQ(testing::scalar(con, sql), "1002/992/1042 lake_scan('x')");
  std::string at = lake.snapshots()[3].time.substr(0, 26);
  EXPECT_EQ(testing::scalar(
                con, expand_lake_scans(
                         lake, "SELECT count(*) FROM lake_scan('sales.orders', timestamp => '" + at + "')")),
            "1000");
  EXPECT_THROW(expand_lake_scans(lake, "SELECT * FROM lake_scan('sales.orders', version => x)"), UserError);
  EXPECT_THROW(expand_lake_scans(lake, "SELECT * FROM lake_scan('sales.nope')"), UserError);
}

// pond writes into a lake the extension made: ids continue from the extension's counters,
// inlined rows can be deleted, and every old snapshot still reads as before.
TEST_F(FixtureLake, PondWritesIntoTheExtensionsLake) {
  Lake lake = open();
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  auto count = [&](const SnapshotRef& ref = {}) {
    return testing::scalar(con, "SELECT count(*) FROM (" + lake.scan("sales.orders", ref).sql + ")");
  };
  auto r = lake.append(
      con, "sales.orders",
      "SELECT 5000 + range AS id, 'pond' AS customer_name, 1.5 AS amount, TIMESTAMP '2026-07-01' AS "
      "ordered_at, 'app' AS channel FROM range(20)");
  EXPECT_EQ(r.snapshot_id, 15);
  Snapshot s = lake.latest_snapshot();
  EXPECT_EQ(s.next_file_id, 10);    // the extension's next_file_id was 9
  EXPECT_EQ(s.next_catalog_id, 6);  // unchanged
  EXPECT_EQ(s.schema_version, 8);   // data only
  Table t = lake.table("sales.orders");
  auto files = lake.reader().data_files(t.id, s.id);
  EXPECT_EQ(files.back().row_id_start, 1052);  // the extension's next_row_id
  EXPECT_EQ(count(), "1062");
  // Delete inlined rows (1001, 1002 and the updated 1..5) and file rows in one commit.
  auto d = lake.delete_where(con, "sales.orders", "id <= 5 OR id IN (1001, 1002, 2001)");
  EXPECT_EQ(d.rows_deleted, 8);
  EXPECT_EQ(count(), "1054");
  EXPECT_EQ(count(SnapshotRef{15, std::nullopt}), "1062");
  EXPECT_EQ(count(SnapshotRef{4, std::nullopt}), "1002");
  EXPECT_EQ(count(SnapshotRef{6, std::nullopt}), "992");
}

TEST_F(FixtureLake, PartitionPruningUsesThePartitionValues) {
  Lake lake = open();
  ScanOptions opts;
  opts.filters.push_back({"day", "=", "2026-01-03"});
  ScanPlan plan = lake.scan("sales.events", {}, opts);
  EXPECT_EQ(plan.files_total, 5u);
  EXPECT_EQ(plan.files_scanned, 1u);
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM (" + plan.sql + ") WHERE day = DATE '2026-01-03'"),
            "100");
}

TEST_F(FixtureLake, SnapshotsAndChangesAreReadAsWritten) {
  Lake lake = open();
  auto snaps = lake.snapshots();
  auto expected = read_csv(dir_.path() / "evolve/expected_snapshots.csv");
  ASSERT_EQ(snaps.size() + 1, expected.size());
  EXPECT_EQ(snaps[2].changes, "created_table:\"sales\".\"orders\"");
  // Every snapshot's changes, in the form DuckDB's ducklake_snapshots() prints them.
  for (std::size_t i = 0; i < snaps.size(); ++i) {
    std::string want = expected[i + 1][1];
    for (std::size_t k = 2; k < expected[i + 1].size(); ++k) want += "," + expected[i + 1][k];
    if (want.size() > 1 && want.front() == '"') want = want.substr(1, want.size() - 2);
    EXPECT_EQ(changes_summary(snaps[i].changes), want) << "snapshot " << i;
  }
  EXPECT_EQ(snaps[6].changes, "inlined_insert:2,inlined_delete:2");
  EXPECT_EQ(lake.tables().size(), 2u);
  EXPECT_EQ(lake.views().size(), 1u);
}

TEST_F(FixtureLake, PondsCatalogTablesHaveTheExtensionsColumns) {
  Lake fixture = open();
  test::TempDir dir;
  Lake mine = Lake::open(testing::sqlite_config(dir));
  auto tables = fixture.catalog_db().query(
      "SELECT table_name, string_agg(column_name, ',' ORDER BY column_index) FROM duckdb_columns() WHERE "
      "table_name LIKE 'ducklake_%' AND table_name NOT LIKE 'ducklake_inlined_data_%' AND table_name NOT "
      "LIKE "
      "'ducklake_inlined_delete_%' GROUP BY table_name ORDER BY table_name");
  ASSERT_GT(tables.size(), 25u);
  for (const auto& t : tables) {
    auto cols = mine.catalog_db().query("SELECT group_concat(name, ',') FROM pragma_table_info(?)", {*t[0]});
    EXPECT_EQ(cols[0][0].value_or("<missing>"), *t[1]) << *t[0];
  }
}

}  // namespace

}  // namespace pond::lake
