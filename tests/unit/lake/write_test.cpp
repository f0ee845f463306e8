#include <gtest/gtest.h>

#include "common/error.hpp"
#include "lake/catalog.hpp"
#include "lake_test_util.hpp"

namespace pond::lake {

namespace {

using testing::scalar;

class LakeWrites : public ::testing::Test {
 protected:
  LakeWrites()
      : db_(engine::Database::open(":memory:")), con_(db_), lake_(Lake::open(testing::sqlite_config(dir_))) {}
  std::string count(const std::string& table, const SnapshotRef& ref = {}) {
    return scalar(con_, "SELECT count(*) FROM (" + lake_.scan(table, ref).sql + ")");
  }
  std::string query(const std::string& table, const std::string& select, const SnapshotRef& ref = {}) {
    return scalar(con_, "SELECT " + select + " FROM (" + lake_.scan(table, ref).sql + ")");
  }
  test::TempDir dir_;
  engine::Database db_;
  engine::Connection con_;
  Lake lake_;
};

TEST_F(LakeWrites, NewLakeHasSnapshotZeroAndMetadata) {
  Snapshot s = lake_.latest_snapshot();
  EXPECT_EQ(s.id, 0);
  EXPECT_EQ(s.next_catalog_id, 1);
  EXPECT_EQ(s.changes, "created_schema:\"main\"");
  CatalogReader r = lake_.reader();
  EXPECT_EQ(r.metadata("version").value_or(""), "1.0");
  // Absolute, so DuckDB's extension finds the files from any working folder.
  EXPECT_EQ(r.metadata("data_path").value_or(""), (dir_.path() / "lake").string() + "/");
  EXPECT_EQ(lake_.duckdb_attach_sql("lk"),
            "ATTACH 'ducklake:sqlite:" + (dir_.path() / "lake.sqlite").string() + "' AS \"lk\";");
  EXPECT_EQ(r.metadata("encrypted").value_or(""), "false");
  // Opening again keeps the lake as it is.
  Lake again = Lake::open(testing::sqlite_config(dir_));
  EXPECT_EQ(again.latest_snapshot().id, 0);
}

TEST_F(LakeWrites, CreateTableAsWritesParquetWithFieldIdsAndStats) {
  CommitResult r = lake_.create_table_as(
      con_, "sales.orders",
      "SELECT i::INTEGER AS id, 'c' || (i % 3) AS customer, i * 1.5 AS amount FROM range(100) t(i)");
  EXPECT_EQ(r.rows_written, 100);
  EXPECT_EQ(r.snapshot_id, 1);
  Snapshot s = lake_.latest_snapshot();
  EXPECT_EQ(s.changes, "created_schema:\"sales\",created_table:\"sales\".\"orders\",inserted_into_table:2");
  EXPECT_EQ(s.schema_version, 1);
  EXPECT_EQ(s.next_catalog_id, 3);
  EXPECT_EQ(s.next_file_id, 1);
  Table t = lake_.table("sales.orders");
  ASSERT_EQ(t.columns.size(), 3u);
  EXPECT_EQ(t.columns[0].type, "int32");
  EXPECT_EQ(t.columns[1].type, "varchar");
  EXPECT_EQ(t.columns[2].id, 3);
  auto files = lake_.reader().data_files(t.id, s.id);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].record_count, 100);
  EXPECT_EQ(files[0].row_id_start, 0);
  EXPECT_GT(files[0].footer_size, 0);
  std::string path = data_file_location(lake_.data_root(), t, files[0]);
  EXPECT_NE(path.find("/lake/sales/orders/ducklake-"), std::string::npos) << path;
  EXPECT_EQ(scalar(con_, "SELECT string_agg(field_id::VARCHAR, ',' ORDER BY field_id) FROM parquet_schema('" +
                             path + "') WHERE field_id IS NOT NULL"),
            "1,2,3");
  auto stats = lake_.reader().file_stats(t.id, s.id);
  ASSERT_EQ(stats[files[0].id].size(), 3u);
  EXPECT_EQ(stats[files[0].id][0].min_value.value_or(""), "0");
  EXPECT_EQ(stats[files[0].id][0].max_value.value_or(""), "99");
  EXPECT_EQ(count("sales.orders"), "100");
  EXPECT_EQ(query("sales.orders", "sum(id)"), "4950");
}

TEST_F(LakeWrites, AppendsAreSnapshotsAndTimeTravelReturnsEachVersion) {
  lake_.create_table("main.t", {{"id", "BIGINT"}, {"v", "VARCHAR"}});
  std::vector<std::int64_t> versions;
  for (int i = 0; i < 4; ++i) {
    auto r = lake_.append(con_, "t",
                          "SELECT range AS id, 'x' AS v FROM range(" + std::to_string(i * 10) + ", " +
                              std::to_string(i * 10 + 10) + ")");
    versions.push_back(r.snapshot_id);
  }
  for (int i = 0; i < 4; ++i) {
    // Each version holds exactly the rows written up to it (compared by content, not count).
    EXPECT_EQ(query("t", "sum(hash(id, v))", SnapshotRef{versions[i], std::nullopt}),
              scalar(con_, "SELECT sum(hash(range, 'x')) FROM range(" + std::to_string((i + 1) * 10) + ")"));
    EXPECT_EQ(count("t", SnapshotRef{versions[i], std::nullopt}), std::to_string((i + 1) * 10));
    EXPECT_EQ(query("t", "max(id)", SnapshotRef{versions[i], std::nullopt}), std::to_string(i * 10 + 9));
  }
  // Row ids continue across files.
  auto files = lake_.reader().data_files(lake_.table("t").id, versions.back());
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[3].row_id_start, 30);
  // By timestamp: the latest snapshot's time gives the latest version.
  EXPECT_EQ(lake_.resolve(SnapshotRef{std::nullopt, lake_.latest_snapshot().time.substr(0, 26)}),
            versions.back());
  EXPECT_THROW(lake_.scan("t", SnapshotRef{999, std::nullopt}), UserError);
  EXPECT_THROW(lake_.scan("t", SnapshotRef{0, std::nullopt}), UserError);  // no table yet
}

TEST_F(LakeWrites, DeleteUpdateMergeUsePositionalDeleteFiles) {
  lake_.create_table_as(con_, "t", "SELECT range::INTEGER AS id, range * 10 AS v FROM range(1000)");
  auto del = lake_.delete_where(con_, "t", "id % 10 = 0");
  EXPECT_EQ(del.rows_deleted, 100);
  EXPECT_EQ(count("t"), "900");
  EXPECT_EQ(lake_.latest_snapshot().changes, "deleted_from_table:1");
  auto before_second = lake_.latest_snapshot().id;
  lake_.delete_where(con_, "t", "id < 5");
  EXPECT_EQ(count("t"), "896");
  Table t = lake_.table("t");
  auto deletes = lake_.reader().delete_files(t.id, lake_.latest_snapshot().id);
  ASSERT_EQ(deletes.size(), 1u);  // the second delete file replaces the first
  EXPECT_EQ(deletes[0].delete_count, 104);
  std::string del_path = delete_file_location(lake_.data_root(), t, deletes[0]);
  EXPECT_EQ(scalar(con_, "SELECT string_agg(name, ',') FROM parquet_schema('" + del_path +
                             "') WHERE num_children IS NULL"),
            "file_path,pos");
  EXPECT_EQ(count("t", SnapshotRef{before_second, std::nullopt}), "900");

  auto up = lake_.update(con_, "t", "v = -1", "id BETWEEN 100 AND 109");
  EXPECT_EQ(up.rows_deleted, 9);  // id 100 was deleted before
  EXPECT_EQ(up.rows_written, 9);
  EXPECT_EQ(count("t"), "896");
  EXPECT_EQ(query("t", "count(*) FILTER (WHERE v = -1)"), "9");

  auto m = lake_.merge(con_, "t", "SELECT 5 AS id, 55 AS v UNION ALL SELECT 6, 66 UNION ALL SELECT 5000, 1",
                       {"id"});
  EXPECT_EQ(m.rows_deleted, 2);  // ids 5 and 6 existed; 5000 is new
  EXPECT_EQ(m.rows_written, 3);
  EXPECT_EQ(count("t"), "897");
  EXPECT_EQ(query("t", "max(v) FILTER (WHERE id = 6)"), "66");
  EXPECT_EQ(query("t", "count(*) FILTER (WHERE id = 5)"), "1");
  // Deleting every row of a file ends the data file instead of writing a delete file.
  lake_.delete_where(con_, "t", "true");
  EXPECT_EQ(count("t"), "0");
  EXPECT_TRUE(lake_.reader().data_files(t.id, lake_.latest_snapshot().id).empty());
}

TEST_F(LakeWrites, ReplaceWhereIsOneSnapshot) {
  lake_.create_table_as(con_, "t", "SELECT range::INTEGER AS id, range % 3 AS day FROM range(30)");
  auto before = lake_.latest_snapshot().id;
  auto r = lake_.replace_where(con_, "t", "day = 1", "SELECT 100 + range AS id, 1 AS day FROM range(4)");
  EXPECT_EQ(r.snapshot_id, before + 1);
  EXPECT_EQ(r.rows_deleted, 10);
  EXPECT_EQ(r.rows_written, 4);
  EXPECT_EQ(lake_.latest_snapshot().changes, "deleted_from_table:1,inserted_into_table:1");
  EXPECT_EQ(count("t"), "24");
  EXPECT_EQ(query("t", "count(*) FILTER (WHERE day = 1)"), "4");
}

TEST_F(LakeWrites, SchemaEvolutionNeedsNoRewrite) {
  lake_.create_table_as(con_, "t", "SELECT range::INTEGER AS id, 'n' || range AS name FROM range(10)");
  lake_.add_column("t", {"channel", "VARCHAR", std::string("web")});
  lake_.rename_column("t", "name", "customer");
  lake_.alter_column_type("t", "id", "BIGINT");
  lake_.append(con_, "t", "SELECT 100 AS id, 'c100' AS customer, 'store' AS channel");
  auto before_drop = lake_.latest_snapshot().id;
  lake_.drop_column("t", "customer");
  EXPECT_EQ(query("t", "count(*) FILTER (WHERE channel = 'web')"), "10");
  EXPECT_EQ(query("t", "any_value(typeof(id))"), "BIGINT");
  EXPECT_EQ(query("t", "string_agg(channel, ',' ORDER BY id)"),
            "web,web,web,web,web,web,web,web,web,web,store");
  EXPECT_EQ(query("t", "max(customer)", SnapshotRef{before_drop, std::nullopt}), "n9");
  EXPECT_THROW(query("t", "max(customer)"), std::exception);
  Table t = lake_.table("t");
  EXPECT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.columns[1].id, 3);  // the added column got a new id
  EXPECT_THROW(lake_.alter_column_type("t", "id", "INTEGER"), UserError);
  EXPECT_EQ(lake_.latest_snapshot().changes, "altered_table:1");
  // Only the first file exists; no data file was rewritten.
  EXPECT_EQ(lake_.reader().data_files(t.id, lake_.latest_snapshot().id).size(), 2u);
}

TEST_F(LakeWrites, PartitionedTablesUseHivePathsAndPrune) {
  lake_.create_table_as(
      con_, "ev",
      "SELECT DATE '2026-01-01' + (range % 30)::INTEGER AS day, range AS n, TIMESTAMP '2026-01-01' "
      "+ to_hours(range) AS ts FROM range(3000)",
      {{"day", "identity"}});
  Table t = lake_.table("ev");
  ASSERT_TRUE(t.partition);
  auto files = lake_.reader().data_files(t.id, lake_.latest_snapshot().id);
  ASSERT_EQ(files.size(), 30u);
  EXPECT_EQ(files[0].path.rfind("day=2026-01-", 0), 0u) << files[0].path;
  EXPECT_EQ(files[0].partition_values.at(0).substr(0, 8), "2026-01-");
  ScanOptions opts;
  opts.filters.push_back({"day", "=", "2026-01-07"});
  ScanPlan plan = lake_.scan("ev", {}, opts);
  EXPECT_EQ(plan.files_scanned, 1u);
  EXPECT_EQ(scalar(con_, "SELECT count(*) FROM (" + plan.sql + ") WHERE day = DATE '2026-01-07'"), "100");
  opts.filters = {{"n", ">=", "2990"}};
  EXPECT_EQ(lake_.scan("ev", {}, opts).files_scanned, 10u);  // min/max pruning
  // Time transforms.
  lake_.create_table_as(con_, "hours", "SELECT ts, n FROM (" + lake_.scan("ev").sql + ")", {{"ts", "month"}});
  auto hf = lake_.reader().data_files(lake_.table("hours").id, lake_.latest_snapshot().id);
  ASSERT_EQ(hf.size(), 5u);  // 3000 hours: January to May
  EXPECT_EQ(hf[0].path.rfind("month=", 0), 0u) << hf[0].path;
  EXPECT_EQ(count("hours"), "3000");
  // Deletes read files with row positions: works with the transform columns in the files.
  lake_.delete_where(con_, "hours", "n < 100");
  EXPECT_EQ(count("hours"), "2900");
  // Second writes into the partition folders: appends, a replacing CTAS, compaction.
  lake_.append(con_, "hours", "SELECT TIMESTAMP '2026-01-02' AS ts, -1 AS n");
  EXPECT_EQ(count("hours"), "2901");
  lake_.compact(con_, "hours");
  EXPECT_EQ(count("hours"), "2901");
  lake_.create_table_as(con_, "ev", "SELECT DATE '2026-01-01' AS day, 1 AS n, TIMESTAMP '2026-01-01' AS ts",
                        {{"day", "identity"}}, true);
  EXPECT_EQ(count("ev"), "1");
}

TEST_F(LakeWrites, ViewsSchemasAndDrops) {
  lake_.create_table_as(con_, "s.t", "SELECT 1 AS a");
  lake_.create_view("s.v", "SELECT a + 1 AS b FROM s.t");
  EXPECT_EQ(lake_.attach(con_), lake_.latest_snapshot().id);
  EXPECT_EQ(scalar(con_, "SELECT b FROM s.v"), "2");
  EXPECT_THROW(lake_.drop_schema("s"), UserError);
  lake_.drop_view("s.v");
  auto before = lake_.latest_snapshot().id;
  lake_.drop_table("s.t");
  lake_.drop_schema("s");
  EXPECT_TRUE(lake_.tables().empty());
  EXPECT_EQ(lake_.tables(SnapshotRef{before, std::nullopt}).size(), 1u);
  EXPECT_EQ(lake_.latest_snapshot().changes, "dropped_schema:1");
  lake_.create_table_as(con_, "t2", "SELECT 1 AS a");
  lake_.rename_table("t2", "t3");
  EXPECT_EQ(count("t3"), "1");
  EXPECT_THROW(lake_.table("t2"), UserError);
}

TEST_F(LakeWrites, CompactExpireAndCleanup) {
  lake_.create_table("t", {{"id", "BIGINT"}});
  for (int i = 0; i < 5; ++i)
    lake_.append(con_, "t", "SELECT range + " + std::to_string(i * 100) + " AS id FROM range(100)");
  lake_.delete_where(con_, "t", "id < 50");
  auto before = lake_.latest_snapshot().id;
  auto c = lake_.compact(con_, "t");
  EXPECT_EQ(c.files_written, 1);
  EXPECT_EQ(lake_.latest_snapshot().changes, "compacted_table:1");
  EXPECT_EQ(count("t"), "450");
  EXPECT_EQ(count("t", SnapshotRef{before, std::nullopt}), "450");
  Table t = lake_.table("t");
  EXPECT_EQ(lake_.reader().data_files(t.id, lake_.latest_snapshot().id).size(), 1u);
  // An orphan, as a writer killed before its commit leaves it.
  test::write_file(dir_ / "lake/main/t/ducklake-orphan.parquet", "x");
  auto dry = lake_.cleanup(true, 0);
  ASSERT_EQ(dry.removed.size(), 1u);
  EXPECT_EQ(dry.removed[0], "main/t/ducklake-orphan.parquet");
  EXPECT_EQ(lake_.expire("9999-01-01"), static_cast<std::int64_t>(before + 1));
  auto done = lake_.cleanup(false, 0);
  EXPECT_EQ(done.removed.size(), 7u);  // 5 data files, 1 delete file, the orphan
  EXPECT_EQ(count("t"), "450");
  EXPECT_EQ(lake_.snapshots().size(), 1u);
  EXPECT_TRUE(lake_.cleanup(false, 0).removed.empty());
}

TEST_F(LakeWrites, BadInputFailsWithContextAndCommitsNothing) {
  lake_.create_table_as(con_, "t", "SELECT 1 AS a");
  auto s = lake_.latest_snapshot().id;
  EXPECT_THROW(lake_.append(con_, "t", "SELECT 1 AS nope"), UserError);
  EXPECT_THROW(lake_.append(con_, "t", "SELECT 'x' AS a"), UserError);  // cast fails
  EXPECT_THROW(lake_.append(con_, "missing", "SELECT 1 AS a"), UserError);
  EXPECT_EQ(lake_.latest_snapshot().id, s);
  EXPECT_EQ(testing::scalar(con_, "SELECT count(*) FROM glob('" + lake_.data_root() + "main/t/*.parquet')"),
            "1");
  // A corrupt (truncated) or missing data file names the table, the file and the snapshot.
  Table t = lake_.table("t");
  auto f = lake_.reader().data_files(t.id, s);
  std::string path = data_file_location(lake_.data_root(), t, f[0]);
  std::filesystem::resize_file(path, 10);
  try {
    lake_.scan("t");
    FAIL() << "reading a corrupt file must fail";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("table main.t at snapshot 1: data file " + path + " is corrupt"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
  try {
    lake_.scan("t");
    FAIL() << "reading a missing file must fail";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("data file " + path + " is missing"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lake_.delete_where(con_, "t", "true"), UserError);
  EXPECT_EQ(lake_.latest_snapshot().id, s);
}

TEST_F(LakeWrites, CatalogOfAnotherVersionIsRefused) {
  lake_.catalog_db().execute("UPDATE ducklake_metadata SET value = '0.3' WHERE key = 'version'");
  try {
    Lake::open(testing::sqlite_config(dir_));
    FAIL() << "a 0.3 catalog must be refused";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'0.3'"), std::string::npos) << e.what();
  }
}

}  // namespace

}  // namespace pond::lake
