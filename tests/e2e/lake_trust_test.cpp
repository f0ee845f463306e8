// Issue 14's scenarios: nothing a user does makes the lake unusable (a view that no longer
// binds, a view sorting before its parent), `pond lake doctor`, builds that do not rewrite
// what did not change, and the `keep:` retention policy.
#include <chrono>
#include <regex>
#include <thread>

#include "e2e/lake_project.hpp"
#include "lake/table_lock.hpp"

namespace pond::test {

namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

void replace_in(const std::filesystem::path& file, const std::string& from, const std::string& to) {
  std::string text = read_file(file);
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << file;
  text.replace(at, from.size(), to);
  write_file(file, text);
}

}  // namespace

TEST_F(PondTest, ABrokenLakeViewNeverStopsTheNextCommand) {
  auto root = init_lake_project();
  // A view model whose name sorts before the view it reads.
  write_file(root / "models" / "staging" / "a_orders.sql", "select * from {{ ref('stg_orders') }}\n");
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows(root, "select count(*) from main.a_orders"), "100");

  // The seed's column renamed: the view reading it fails to build (as it should) and is not
  // committed; the lake's older stg_orders no longer binds.
  std::size_t snapshots = snapshot_count(root);
  replace_in(root / "seeds" / "raw_orders.csv", "user_id", "customer");
  r = run_pond({"build", "--full-refresh"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_GT(snapshot_count(root), snapshots);
  r = run_pond({"show", "--inline", "select 1 as one", "-o", "csv"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "lake view main.stg_orders is not shown")) << r.err;
  EXPECT_TRUE(contains(r.err, "\"user_id\"")) << r.err;
  EXPECT_TRUE(contains(r.err, "main.a_orders is not shown at snapshot")) << r.err;
  EXPECT_TRUE(contains(r.err, "it reads stg_orders, which is not shown either")) << r.err;
  r = run_pond({"lake", "doctor"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "main.stg_orders: cannot be shown")) << r.out;
  EXPECT_TRUE(contains(r.out, "2 problem(s) left")) << r.out;
  // A failing view model commits nothing to the lake.
  std::size_t before_failed_view = snapshot_count(root);
  r = run_pond({"run", "-s", "stg_orders"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(snapshot_count(root), before_failed_view);

  // The fix builds, and everything is back.
  replace_in(root / "models" / "staging" / "stg_orders.sql", "user_id as", "customer as");
  r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run_pond({"show", "--inline", "select count(*) from main.a_orders", "-o", "csv"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.err, "is not shown")) << r.err;
  EXPECT_TRUE(contains(r.out, "100")) << r.out;
  r = run_pond({"lake", "doctor"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "no problems found")) << r.out;
}

TEST_F(PondTest, LakeDoctorFindsMissingFilesAndRepairsTheCatalog) {
  auto root = init_lake_project();
  ASSERT_EQ(run_pond({"build"}, root).exit_code, 0);
  // An orphan (a writer killed before its commit) and a catalog counter behind its ids.
  write_file(root / "lake" / "data" / "main" / "orphan.parquet", "not really parquet");
  {
    lake::Lake lake = open_lake(root);
    lake.catalog_db().execute(
        "UPDATE ducklake_snapshot SET next_file_id = 1 WHERE snapshot_id = (SELECT max(snapshot_id) FROM "
        "ducklake_snapshot)");
  }
  ProcessResult r = run_pond({"lake", "doctor", "--min-age", "0"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "says the next file id is 1")) << r.out;
  EXPECT_TRUE(contains(r.out, "1 file(s)")) << r.out;
  r = run_pond({"lake", "doctor", "--repair", "--min-age", "0"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "all repaired")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(root / "lake" / "data" / "main" / "orphan.parquet"));
  // The next commit gets a fresh file id: the lake still builds and reads.
  ASSERT_EQ(run_pond({"build"}, root).exit_code, 0);
  EXPECT_EQ(rows(root, "select count(*) from main.orders"), "100");
  EXPECT_EQ(run_pond({"lake", "doctor"}, root).exit_code, 0);

  // A data file lost: named, with the table, exit 1; other commands go on.
  std::string path = catalog_value(root,
                                   "SELECT f.path FROM ducklake_data_file f JOIN ducklake_table t USING "
                                   "(table_id) WHERE t.table_name = 'customers' AND f.end_snapshot IS NULL");
  std::filesystem::path file;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root / "lake" / "data"))
    if (e.path().filename() == std::filesystem::path(path).filename()) file = e.path();
  ASSERT_FALSE(file.empty()) << path;
  std::filesystem::remove(file);
  r = run_pond({"lake", "doctor"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "main.customers")) << r.out;
  EXPECT_TRUE(contains(r.out, "is missing")) << r.out;
  EXPECT_TRUE(contains(r.out, "--full-refresh")) << r.out;
}

TEST_F(PondTest, ARebuildDoesNotRewriteUnchangedViewsAndSeeds) {
  auto root = init_lake_project();
  ASSERT_EQ(run_pond({"build"}, root).exit_code, 0);
  std::string changes =
      "SELECT group_concat(changes_made, ';') FROM ducklake_snapshot_changes WHERE snapshot_id > ";
  std::size_t first = snapshot_count(root);
  std::string last = catalog_value(root, "SELECT max(snapshot_id) FROM ducklake_snapshot");
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string second = catalog_value(root, changes + last);
  EXPECT_EQ(count_of(second, "created_view"), 0u) << second;
  // Table models are rebuilt (dbt's semantics); the three seeds and the snapshot are not.
  EXPECT_LE(snapshot_count(root) - first, 3u) << second;
  EXPECT_EQ(count_of(second, "\"raw_"), 0u) << second;
  // A changed seed is reloaded.
  std::string csv = read_file(root / "seeds" / "raw_customers.csv");
  write_file(root / "seeds" / "raw_customers.csv", csv + "101,Zed,Z.\n");
  last = catalog_value(root, "SELECT max(snapshot_id) FROM ducklake_snapshot");
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  EXPECT_EQ(std::stoul(catalog_value(root, "SELECT max(snapshot_id) FROM ducklake_snapshot")),
            std::stoul(last) + 1);
  EXPECT_EQ(rows(root, "select count(*) from main.raw_customers"), "101");
}

TEST_F(PondTest, TheKeepPolicyBoundsTheLakeAfterEachRun) {
  auto root = init_lake_project();
  std::string profile = read_file(root / "profiles.yml");
  write_file(root / "profiles.yml", profile + "        keep: {snapshots: 7days, min: 3}\n");
  ProcessResult r = run_pond({"build"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "profiles.yml:")) << r.err;
  EXPECT_TRUE(contains(r.err, "'snapshots:' must be a duration such as 30d")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(root / "lake" / "catalog.sqlite"));

  write_file(root / "profiles.yml", profile + "        keep: {snapshots: 1s, min: 3}\n");
  ASSERT_EQ(run_pond({"build"}, root).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  r = run_pond({"lake", "info"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "keep:       snapshots 1s, min 3: the next run expires")) << r.out;
  r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "lake keep policy (snapshots 1s, min 3): expired")) << r.out << r.err;
  // Only the second build's snapshots (at least the newest 3) are left, and the data reads.
  EXPECT_LT(snapshot_count(root), 8u);
  EXPECT_GE(snapshot_count(root), 3u);
  EXPECT_EQ(rows(root, "select count(*) from main.customers"), "100");
  EXPECT_EQ(run_pond({"lake", "doctor"}, root).exit_code, 0);
}

}  // namespace pond::test

namespace pond::test {

namespace {

// A table model that takes a while (seconds on a loaded 2-core machine), so two writers overlap.
void add_slow_model(const std::filesystem::path& root) {
  write_file(
      root / "models" / "slow.sql",
      "{{ config(materialized='table') }}\n"
      "select i, c from range(5) t(i), (select count(*) as c from range(150000000) r(x) where x % 7 = 1)\n");
}

std::pair<ProcessResult, ProcessResult> run_twice_at_once(const std::filesystem::path& root,
                                                          const std::vector<std::string>& args) {
  ProcessResult first;
  std::thread other([&] { first = run_pond(args, root); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ProcessResult second = run_pond(args, root);
  other.join();
  return {first, second};
}

}  // namespace

TEST_F(PondTest, TwoWritersOfOneLakeTableTakeTurns) {
  auto root = init_lake_project();
  add_slow_model(root);
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  ASSERT_EQ(run_pond({"run", "--exclude", "slow"}, root).exit_code, 0);
  auto [a, b] = run_twice_at_once(root, {"run", "-s", "slow", "orders", "customers"});
  EXPECT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_FALSE(contains(a.out + b.out, "commit conflict")) << a.out << b.out;
  EXPECT_EQ(rows(root, "select count(*), min(c) > 0 from main.slow"), "5,true");
  // Each run replaced `slow` once: two snapshots created it, one after the other.
  EXPECT_EQ(catalog_value(root,
                          "SELECT count(*) FROM ducklake_snapshot_changes WHERE changes_made LIKE "
                          "'%created_table:\"main\".\"slow\"%'"),
            "2");
  EXPECT_EQ(run_pond({"lake", "doctor"}, root).exit_code, 0);
}

TEST_F(PondTest, AWriterWaitingTooLongNamesTheOtherRun) {
  auto root = init_lake_project();
  add_slow_model(root);
  std::string profile = read_file(root / "profiles.yml");
  write_file(root / "profiles.yml", profile + "        lock_timeout: 1s\n");
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  // Another writer holds main.slow (taken here through the library, as a pond run takes it).
  lake::Lake lake = open_lake(root);
  {
    lake::TableLock held = lake::TableLock::acquire(
        lake, "main.slow", "pond {\"pond_run\":\"r-other\",\"step\":\"model.shop.slow\"}",
        std::chrono::milliseconds(1000));
    ProcessResult r = run_pond({"run", "-s", "slow"}, root);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(
        contains(r.out, "the lake table main.slow is being written by pond {\"pond_run\":\"r-other\""))
        << r.out;
    EXPECT_TRUE(contains(r.out, "waited 1 s")) << r.out;
    EXPECT_EQ(catalog_value(root, "SELECT count(*) FROM ducklake_table WHERE table_name = 'slow'"), "0");
  }
  // Released: the same run goes through.
  ProcessResult r = run_pond({"run", "-s", "slow"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace pond::test

namespace pond::test {

TEST_F(PondTest, ARaggedSeedNamesItsLineInOneLine) {
  auto root = init_lake_project();
  write_file(root / "seeds" / "raw_customers.csv", "id,first_name,last_name\n1,A,B\n2,C,D,E\n3,F,G\n");
  ProcessResult r = run_pond({"seed", "-s", "raw_customers"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(
      contains(r.out, "raw_customers.csv:3:7: seed raw_customers: record 2 has 4 field(s), the header has 3"))
      << r.out;
  EXPECT_FALSE(contains(r.out, "sniffing")) << r.out;
}

}  // namespace pond::test

namespace pond::test {

TEST_F(PondTest, StoredTestFailuresOnALakeTargetOutliveTheRun) {
  auto root = init_lake_project();
  write_file(root / "models" / "marts" / "stored.yml",
             "version: 2\nmodels:\n  - name: customers\n    columns:\n      - name: customer_id\n"
             "        data_tests:\n          - accepted_values:\n              values: [1, 2]\n"
             "              config: {store_failures: true}\n");
  ProcessResult r = run_pond({"build"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "FAIL 98")) << r.out;
  EXPECT_EQ(
      rows(root, "select count(*) from main_dbt_test__audit.accepted_values_customers_customer_id__1__2"),
      "98");
  r = run_pond({"lake", "tables", "-o", "csv"}, root);
  EXPECT_TRUE(contains(r.out, "main_dbt_test__audit.accepted_values_customers_customer_id__1__2")) << r.out;
}

}  // namespace pond::test

namespace pond::test {

TEST_F(PondTest, AMistypedCatalogPathDoesNotStartASecondLakeOverTheFirstOnesFiles) {
  auto root = init_lake_project();
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  std::string profile = read_file(root / "profiles.yml");
  write_file(root / "profiles.yml",
             std::regex_replace(profile, std::regex("lake/catalog.sqlite"), "lake/catalgo.sqlite"));
  ProcessResult r = run_pond({"build"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "already holds another lake's parquet files")) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(root / "lake" / "catalgo.sqlite"));
}

}  // namespace pond::test
