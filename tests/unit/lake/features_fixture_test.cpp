// The `features` lake that DuckDB's own ducklake extension wrote (tests/fixtures/ducklake/
// features, its README and make.sql): every table at every snapshot and every view, read by
// pond, gives the extension's answers (row count and md5 of the sorted rows as text).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "lake_test_util.hpp"

namespace pond::lake {

namespace {

namespace fs = std::filesystem;

fs::path features_dir() {
  return fs::path(POND_SOURCE_DIR) / "tests/fixtures/ducklake/features";
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in.good()) << "missing " << p;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (line.back() == ',') cells.emplace_back();  // an empty table's digest is empty
    rows.push_back(cells);
  }
  return rows;
}

// The digest both engines compute (scripts/lake-interop).
std::string digest(engine::Connection& con, const std::string& relation) {
  auto rows =
      con.query(
             "SELECT count(*)::VARCHAR || ',' || coalesce(md5(string_agg(r, chr(10) ORDER BY r)), '') "
             "FROM (SELECT CAST(t AS VARCHAR) AS r FROM " +
             relation + " t)")
          .rows_as_text();
  return rows.at(0).at(0).value_or("");
}

class FeaturesFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_ / "features";
    fs::copy(features_dir(), root_, fs::copy_options::recursive);
    for (auto& e : fs::recursive_directory_iterator(root_))
      fs::permissions(e.path(), fs::perms::owner_write | fs::perms::owner_read, fs::perm_options::add);
    // One registered file lives outside the lake under an absolute path: the one the fixture
    // was generated in; here it is the copy's.
    std::string generated;
    std::getline(std::ifstream(root_ / "generated_in.txt"), generated);
    ASSERT_FALSE(generated.empty());
    Lake lake = open();
    lake.catalog_db().execute(
        "UPDATE ducklake_data_file SET path = replace(path, ?, ?) WHERE NOT path_is_relative",
        {generated, root_.string()});
    con_.execute("SET TimeZone = 'UTC'");
  }
  Lake open() {
    LakeConfig c;
    c.catalog = "duckdb:" + (root_ / "features.ducklake").string();
    return Lake::open(c, false);
  }
  test::TempDir dir_;
  fs::path root_;
  engine::Database db_ = engine::Database::open(":memory:");
  engine::Connection con_{db_};
};

TEST_F(FeaturesFixture, EveryTableAtEverySnapshotGivesTheExtensionsAnswer) {
  Lake lake = open();
  auto expected = read_csv(root_ / "expected.csv");
  ASSERT_GT(expected.size(), 50u);
  std::map<std::int64_t, std::set<std::string>> tables_at;
  for (const auto& e : expected) {
    ASSERT_EQ(e.size(), 5u);
    std::int64_t snap = std::stoll(e[0]);
    std::string name = e[1] + "." + e[2];
    tables_at[snap].insert(name);
    SCOPED_TRACE(fmt::format("{} at snapshot {}", name, snap));
    std::string got;
    try {
      got = digest(con_, "(" + lake.scan(name, SnapshotRef{snap, std::nullopt}).sql + ")");
    } catch (const std::exception& ex) {
      got = std::string("error: ") + ex.what();
    }
    EXPECT_EQ(got, e[3] + "," + e[4]);
  }
  // pond sees exactly the tables the extension sees, at every snapshot.
  for (const auto& [snap, names] : tables_at) {
    std::set<std::string> mine;
    for (const auto& t : lake.tables(SnapshotRef{snap, std::nullopt})) mine.insert(t.qualified_name());
    EXPECT_EQ(mine, names) << "tables at snapshot " << snap;
  }
}

TEST_F(FeaturesFixture, ViewsAndCommentsAsTheExtensionWroteThem) {
  Lake lake = open();
  con_.execute("ATTACH ':memory:' AS anyname");
  lake.attach(con_, {}, "anyname");
  auto expected = read_csv(root_ / "expected_views.csv");
  ASSERT_FALSE(expected.empty());
  for (const auto& e : expected) {
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(digest(con_, "anyname." + e[0] + "." + e[1]), e[2] + "," + e[3]) << "view " << e[1];
  }
  EXPECT_EQ(testing::scalar(con_, "SELECT comment FROM duckdb_views() WHERE view_name = 'ext'"),
            "registered files");
  EXPECT_EQ(testing::scalar(
                con_, "SELECT comment FROM duckdb_columns() WHERE table_name = 'ext' AND column_name = 'k'"),
            "the key");
  EXPECT_EQ(testing::scalar(con_, "SELECT comment FROM duckdb_views() WHERE view_name = 'recent'"),
            "rows of the new layout");
}

// pond writes into the extension's lake: a name-mapped table, a table with deletion vectors.
TEST_F(FeaturesFixture, PondAppendsAndDeletesInTheExtensionsTables) {
  Lake lake = open();
  auto count = [&](const std::string& t, const SnapshotRef& ref = {}) {
    return testing::scalar(con_, "SELECT count(*) FROM (" + lake.scan(t, ref).sql + ")");
  };
  std::int64_t before = lake.latest_snapshot().id;
  std::string ext_before = count("main.ext");
  std::string dv_before = count("main.dv");
  lake.delete_where(con_, "main.ext", "k < 20");  // registered (name-mapped) file
  lake.delete_where(con_, "main.dv", "id < 30");  // a file with a puffin delete file
  EXPECT_LT(std::stoll(count("main.ext")), std::stoll(ext_before));
  EXPECT_EQ(std::stoll(count("main.dv")), std::stoll(dv_before) - 20);  // 30 ids, 10 deleted before
  EXPECT_EQ(count("main.ext", SnapshotRef{before, std::nullopt}), ext_before);
  EXPECT_EQ(count("main.dv", SnapshotRef{before, std::nullopt}), dv_before);
}

}  // namespace

}  // namespace pond::lake
