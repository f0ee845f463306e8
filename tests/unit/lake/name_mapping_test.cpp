// Files that were not written with field ids (registered by another tool, e.g. the extension's
// ducklake_add_data_files) are read through ducklake_column_mapping / ducklake_name_mapping.
#include <gtest/gtest.h>

#include "lake/catalog.hpp"
#include "lake_test_util.hpp"

namespace pond::lake {

namespace {

TEST(LakeNameMapping, FilesWithoutFieldIdsAreReadByName) {
  test::TempDir dir;
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  Lake lake = Lake::open(testing::sqlite_config(dir));
  lake.create_table_as(con, "t", "SELECT 1::INTEGER AS id, 'a' AS label");
  lake.rename_column("t", "label", "name");
  Table t = lake.table("t");
  std::string dirpath = table_directory(lake.data_root(), t);
  // A file with other column names and no field ids; `extra` is not a table column.
  std::string file = dirpath + "external.parquet";
  con.execute("COPY (SELECT range::INTEGER AS ident, 'x' || range AS lbl, 0 AS extra FROM range(5)) TO '" +
              file + "' (FORMAT parquet)");
  auto size = std::filesystem::file_size(file);
  CatalogDb& c = lake.catalog_db();
  Snapshot s = lake.latest_snapshot();
  std::int64_t snap = s.id + 1, file_id = s.next_file_id, mapping = 7;
  c.execute("INSERT INTO ducklake_column_mapping VALUES (?, ?, 'map_by_name')", {mapping, t.id});
  c.execute("INSERT INTO ducklake_name_mapping VALUES (?, 1, 'ident', 1, NULL, false)", {mapping});
  c.execute("INSERT INTO ducklake_name_mapping VALUES (?, 2, 'lbl', 2, NULL, false)", {mapping});
  c.execute(
      "INSERT INTO ducklake_data_file VALUES (?, ?, ?, NULL, NULL, 'external.parquet', 1, 'parquet', 5, ?, "
      "0, 1, "
      "NULL, NULL, ?, NULL)",
      {file_id, t.id, snap, static_cast<std::int64_t>(size), mapping});
  c.execute("INSERT INTO ducklake_snapshot VALUES (?, ?, ?, ?, ?)",
            {snap, s.time, s.schema_version, s.next_catalog_id, file_id + 1});
  c.execute("INSERT INTO ducklake_snapshot_changes VALUES (?, 'inserted_into_table:1', NULL, NULL, NULL)",
            {snap});

  std::string sql = lake.scan("t").sql;
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM (" + sql + ")"), "6");
  EXPECT_EQ(testing::scalar(con, "SELECT string_agg(name, ',' ORDER BY id, name) FROM (" + sql + ")"),
            "x0,a,x1,x2,x3,x4");
  // Deletes work on name-mapped files too.
  lake.delete_where(con, "t", "name = 'x3'");
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM (" + lake.scan("t").sql + ")"), "5");
}

// A merged file (as the extension's compaction writes it) carries rows of several snapshots
// and their origin in _ducklake_internal_snapshot_id; time travel before partial_max filters.
TEST(LakePartialFiles, RowsOfLaterSnapshotsAreHiddenBeforePartialMax) {
  test::TempDir dir;
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  Lake lake = Lake::open(testing::sqlite_config(dir));
  lake.create_table("t", {{"id", "INTEGER"}});  // snapshot 1
  Table t = lake.table("t");
  CatalogDb& c = lake.catalog_db();
  Snapshot s = lake.latest_snapshot();
  // Snapshots 2 and 3 each "inserted" one row; both rows live in one merged file since 2.
  for (std::int64_t id : {2, 3}) {
    c.execute("INSERT INTO ducklake_snapshot VALUES (?, ?, ?, ?, ?)",
              {id, s.time, s.schema_version, s.next_catalog_id, s.next_file_id + 1});
    c.execute("INSERT INTO ducklake_snapshot_changes VALUES (?, 'inserted_into_table:1', NULL, NULL, NULL)",
              {id});
  }
  std::string dirpath = table_directory(lake.data_root(), t);
  std::filesystem::create_directories(dirpath);
  std::string file = dirpath + "merged.parquet";
  con.execute(
      "COPY (SELECT * FROM (VALUES (10, 2::BIGINT), (20, 3::BIGINT)) v(id, _ducklake_internal_snapshot_id)) "
      "TO '" +
      file + "' (FORMAT parquet, FIELD_IDS {id: 1})");
  c.execute(
      "INSERT INTO ducklake_data_file VALUES (?, ?, 2, NULL, NULL, 'merged.parquet', 1, 'parquet', 2, ?, 0, "
      "0, NULL, "
      "NULL, NULL, 3)",
      {s.next_file_id, t.id, static_cast<std::int64_t>(std::filesystem::file_size(file))});
  auto ids = [&](std::int64_t v) {
    return testing::scalar(con, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM (" +
                                    lake.scan("t", SnapshotRef{v, std::nullopt}).sql + ")");
  };
  EXPECT_EQ(ids(2), "10");
  EXPECT_EQ(ids(3), "10,20");
  EXPECT_EQ(testing::scalar(con, "SELECT count(*) FROM (" + lake.scan("t").sql + ")"), "2");
  // Deleting at the latest snapshot (after partial_max) uses plain positions.
  lake.delete_where(con, "t", "id = 10");
  EXPECT_EQ(ids(lake.latest_snapshot().id), "20");
  EXPECT_EQ(ids(2), "10");
}

}  // namespace

}  // namespace pond::lake
