// `pond lake ...` over a lake prepared with the library (models write into the lake once
// model execution lands).
#include "lake/lake.hpp"

#include "e2e/pond_runner.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"

namespace pond::test {

namespace {

void add_lake_to_profile(const std::filesystem::path& root) {
  std::string profile = read_file(root / "profiles.yml");
  profile += "      lake: {catalog: sqlite:lake/catalog.sqlite, data_path: lake/data/}\n";
  write_file(root / "profiles.yml", profile);
}

lake::Lake open_lake(const std::filesystem::path& root) {
  lake::LakeConfig c;
  c.catalog = "sqlite:lake/catalog.sqlite";
  c.data_path = "lake/data/";
  c.base_dir = root;
  return lake::Lake::open(c);
}

}  // namespace

TEST_F(PondTest, LakeCommandsNeedALakeInTheProfile) {
  auto root = init_project();
  ProcessResult r = run_pond({"lake", "snapshots"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "has no lake")) << r.err;
  EXPECT_TRUE(contains(r.err, "lake: {catalog:")) << r.err;
}

TEST_F(PondTest, ShowReadsLakeTablesAndTimeTravels) {
  auto root = init_project();
  add_lake_to_profile(root);
  {
    lake::Lake lake = open_lake(root);
    engine::Database db = engine::Database::open(":memory:");
    engine::Connection con(db);
    lake.create_table_as(con, "sales.orders", "SELECT range::INTEGER AS id FROM range(10)");  // snapshot 1
    lake.append(con, "sales.orders", "SELECT 10 AS id");                                      // snapshot 2
  }
  ProcessResult r =
      run_pond({"show", "--inline", "select count(*) as n from sales.orders", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "n\n11\n");
  r = run_pond(
      {"show", "--inline", "select count(*) as n from lake_scan('sales.orders', version => 1)", "-o", "csv"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "n\n10\n");
  r = run_pond({"show", "--inline", "select * from lake_scan('sales.orders', version => 99)"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no snapshot 99")) << r.err;
}

TEST_F(PondTest, LakeSnapshotsTablesInfoCompactExpireCleanup) {
  auto root = init_project();
  add_lake_to_profile(root);
  {
    lake::Lake lake = open_lake(root);
    engine::Database db = engine::Database::open(":memory:");
    engine::Connection con(db);
    lake.create_table_as(con, "sales.orders",
                         "SELECT range::INTEGER AS id, range * 2 AS amount FROM range(100)");
    lake.append(con, "sales.orders", "SELECT 100 AS id, 0 AS amount");
    lake.delete_where(con, "sales.orders", "id < 10");
  }
  ProcessResult r = run_pond({"lake", "snapshots"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "created_table:\"sales\".\"orders\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "deleted_from_table:2")) << r.out;

  r = run_pond({"lake", "tables", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "sales.orders,2,2,2,91,")) << r.out;

  r = run_pond({"lake", "tables", "--version", "1", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "sales.orders,2,2,1,100,")) << r.out;

  r = run_pond({"lake", "info", "sales.orders"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "amount")) << r.out;
  EXPECT_TRUE(contains(r.out, "int64")) << r.out;

  // The lake as a whole, with the statement DuckDB's extension attaches it with.
  r = run_pond({"lake", "info"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string catalog = std::filesystem::canonical(root / "lake" / "catalog.sqlite").string();
  EXPECT_TRUE(contains(r.out, "ATTACH 'ducklake:sqlite:" + catalog + "' AS \"lake\";")) << r.out;
  EXPECT_TRUE(contains(r.out, "format:     DuckLake 1.0")) << r.out;

  // A moved data folder: pond warns, relocate stores the new place.
  std::filesystem::rename(root / "lake" / "data", root / "lake" / "moved");
  std::string profile = read_file(root / "profiles.yml");
  profile.replace(profile.find("data_path: lake/data/"), 21, "data_path: lake/moved/");
  write_file(root / "profiles.yml", profile);
  r = run_pond({"lake", "info"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "run `pond lake relocate`")) << r.err;
  EXPECT_TRUE(contains(r.out, "OVERRIDE_DATA_PATH true")) << r.out;
  r = run_pond({"lake", "relocate"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "lake/moved/")) << r.out;
  r = run_pond({"lake", "info"}, root);
  EXPECT_FALSE(contains(r.err, "relocate")) << r.err;
  EXPECT_FALSE(contains(r.out, "OVERRIDE_DATA_PATH")) << r.out;
  std::filesystem::rename(root / "lake" / "moved", root / "lake" / "data");
  profile.replace(profile.find("data_path: lake/moved/"), 22, "data_path: lake/data/");
  write_file(root / "profiles.yml", profile);
  r = run_pond({"lake", "relocate"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = run_pond({"lake", "info", "sales.nope"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no table sales.nope")) << r.err;

  r = run_pond({"lake", "compact"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "sales.orders: 91 rows in 1 file(s)")) << r.out;

  r = run_pond({"lake", "expire", "--older-than", "0s"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "expired 4 snapshot(s)")) << r.out;

  r = run_pond({"lake", "cleanup", "--dry-run"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "3 file(s)")) << r.out;
  r = run_pond({"lake", "cleanup"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "deleted sales/orders/")) << r.out;

  lake::Lake lake = open_lake(root);
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  lake.attach(con);
  auto rows = con.query("SELECT count(*)::VARCHAR FROM sales.orders").rows_as_text();
  EXPECT_EQ(rows[0][0].value_or(""), "91");
}

}  // namespace pond::test
