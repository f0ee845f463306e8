#include "e2e/pond_runner.hpp"
#include "engine/database.hpp"

namespace pond::test {

TEST_F(PondTest, ShowPrintsAnAlignedTable) {
  auto root = init_project();
  ProcessResult r = run_pond(
      {"show", "--inline",
       "select status, count(*) as n from read_csv('seeds/raw_orders.csv') group by status order by status",
       "--limit", "3"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "| status         | n  |")) << r.out;
  EXPECT_TRUE(contains(r.out, "| completed      | 47 |")) << r.out;
  EXPECT_TRUE(contains(r.out, "showing the first 3 rows")) << r.out;
}

TEST_F(PondTest, ShowFormatsJsonAndCsv) {
  auto root = init_project();
  ProcessResult r =
      run_pond({"show", "--inline", "select 1 as a, 'x,y' as b, null as c, [1, 2] as l;", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "a,b,c,l\n1,\"x,y\",,\"[1, 2]\"\n");
  r = run_pond(
      {"show", "--inline", "select 2 as a, 2.5::double as d, true as t, 'q' as s", "--output", "json"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[\n  {\n    \"a\": 2,\n    \"d\": 2.5,\n    \"t\": true,\n    \"s\": \"q\"\n  }\n]\n");
}

TEST_F(PondTest, ShowWritesToTheTargetDatabase) {
  auto root = init_project();
  ProcessResult r = run_pond({"show", "--inline", "create table t as select * from range(3) r(x)"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_pond({"show", "--inline", "select sum(x) as total from t", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "total\n3\n");
  r = run_pond({"show", "--inline", "select * from range(10)", "--limit", "-1", "-o", "csv"}, root);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 11);
}

TEST_F(PondTest, ShowSqlErrorIsExitOneWithDuckDBsMessage) {
  auto root = init_project();
  ProcessResult r = run_pond({"show", "--inline", "select * from nowhere"}, root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "Catalog Error")) << r.err;
  EXPECT_TRUE(contains(r.err, "nowhere")) << r.err;
  r = run_pond({"show", "--inline", "selec 1"}, root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "Parser Error")) << r.err;
}

TEST_F(PondTest, CtrlCInterruptsALongQueryCleanly) {
  auto root = init_project();
  ProcessOptions opts;
  opts.signal_after = std::chrono::milliseconds(1500);
  ProcessResult r = run_pond(
      {"show", "--inline", "select count(*) from range(1000000000000) t(a) where a % 7 = 3"}, root, opts);
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "interrupted")) << r.err;
  EXPECT_LT(r.elapsed, std::chrono::seconds(30));
  // The database is intact and usable afterwards.
  r = run_pond({"show", "--inline", "select 1 as ok", "-o", "csv"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(PondTest, JsonLogFormat) {
  auto root = init_project();
  ProcessOptions opts;
  opts.signal_after = std::chrono::milliseconds(1500);
  ProcessResult r = run_pond({"--log-format", "json", "show", "--inline",
                              "select count(*) from range(1000000000000) t(a) where a % 7 = 3"},
                             root, opts);
  EXPECT_EQ(r.exit_code, 130);
  EXPECT_TRUE(contains(r.err, "{\"ts\":")) << r.err;
  EXPECT_TRUE(contains(r.err, "\"level\":\"warn\"")) << r.err;
}

}  // namespace pond::test

namespace pond::test {

// A DuckDB-file target (no lake): reading commands open it read-only, so they share it with
// other readers; a writer holding it is named, and the lake suggested.
TEST_F(PondTest, ShowOpensADuckdbFileReadOnlyAndNamesTheWriterHoldingIt) {
  auto root = init_project();
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  {
    engine::Database reader =
        engine::Database::open((root / "shop.duckdb").string(), {{"access_mode", "READ_ONLY"}});
    ProcessResult r =
        run_pond({"show", "--inline", "select count(*) from main.raw_orders", "-o", "csv"}, root);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "100")) << r.out;
    r = run_pond({"show", "--inline", "create table main.x as select 1", "-o", "csv"}, root);
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  }
  engine::Database writer = engine::Database::open((root / "shop.duckdb").string());
  ProcessResult r = run_pond({"show", "--inline", "select 1", "-o", "csv"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string all = r.out + r.err;
  EXPECT_TRUE(contains(all, "shop.duckdb is in use by another process")) << all;
  EXPECT_TRUE(contains(all, "PID")) << all;
  EXPECT_TRUE(contains(all, "lake:")) << all;
}

}  // namespace pond::test
