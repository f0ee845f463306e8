// Files that were not written with field ids (registered by another tool, e.g. the extension's
// ducklake_add_data_files) are read through ducklake_column_mapping / ducklake_name_mapping.
#include <gtest/gtest.h>

#include "common/error.hpp"
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

// The mapping as the extension writes it: column_id is an index within the mapping,
// parent_column refers to it, target_field_id is the table's column id; nested struct fields
// under other names, a list element, and a column whose value is the file's hive folder.
TEST(LakeNameMapping, NestedEntriesAndHivePartitionColumns) {
  test::TempDir dir;
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  Lake lake = Lake::open(testing::sqlite_config(dir));
  // ids: k 1, s 2 (a 3, b 4), l 5 (element 6), region 7
  lake.create_table(
      "t",
      {{"k", "BIGINT"}, {"s", "STRUCT(a INTEGER, b VARCHAR)"}, {"l", "INTEGER[]"}, {"region", "VARCHAR"}});
  lake.rename_column("t", "k", "key");
  Table t = lake.table("t");
  ASSERT_EQ(t.columns[1].children.size(), 2u);
  EXPECT_EQ(t.columns[1].children[1].id, 4);
  std::string folder = table_directory(lake.data_root(), t) + "region=north%20east/";
  std::filesystem::create_directories(folder);
  std::string file = folder + "x.parquet";
  // Other names everywhere (the struct's fields swapped), no `region` in the file.
  con.execute(
      "COPY (SELECT range AS kk, {'bb': 'v' || range, 'aa': range::INT} AS ss, [range::INT] AS ll FROM "
      "range(4)) "
      "TO '" +
      file + "' (FORMAT parquet)");
  CatalogDb& c = lake.catalog_db();
  Snapshot s = lake.latest_snapshot();
  std::int64_t snap = s.id + 1, file_id = s.next_file_id, mapping = s.next_catalog_id;
  c.execute("INSERT INTO ducklake_column_mapping VALUES (?, ?, 'map_by_name')", {mapping, t.id});
  const char* entries[][5] = {{"0", "kk", "1", "NULL", "false"},   {"1", "ss", "2", "NULL", "false"},
                              {"2", "aa", "3", "1", "false"},      {"3", "bb", "4", "1", "false"},
                              {"4", "ll", "5", "NULL", "false"},   {"5", "element", "6", "4", "false"},
                              {"6", "region", "7", "NULL", "true"}};
  for (const auto& e : entries)
    c.execute(std::string("INSERT INTO ducklake_name_mapping VALUES (?, ") + e[0] + ", '" + e[1] + "', " +
                  e[2] + ", " + e[3] + ", " + e[4] + ")",
              {mapping});
  c.execute(
      "INSERT INTO ducklake_data_file VALUES (?, ?, ?, NULL, NULL, 'region=north%20east/x.parquet', 1, "
      "'parquet', "
      "4, ?, 0, 0, NULL, NULL, ?, NULL)",
      {file_id, t.id, snap, static_cast<std::int64_t>(std::filesystem::file_size(file)), mapping});
  c.execute("INSERT INTO ducklake_snapshot VALUES (?, ?, ?, ?, ?)",
            {snap, s.time, s.schema_version, mapping + 1, file_id + 1});
  c.execute("INSERT INTO ducklake_snapshot_changes VALUES (?, 'inserted_into_table:1', NULL, NULL, NULL)",
            {snap});

  std::string sql = lake.scan("t").sql;
  EXPECT_EQ(testing::scalar(con,
                            "SELECT string_agg(key || ':' || s.a || s.b || ':' || l[1] || ':' || region, ' ' "
                            "ORDER BY key) FROM (" +
                                sql + ")"),
            "0:0v0:0:north east 1:1v1:1:north east 2:2v2:2:north east 3:3v3:3:north east");
  // A struct field renamed in the table since: the file is still read through the mapping.
  lake.rename_column("t", "s", "s2");
  EXPECT_EQ(
      testing::scalar(con, "SELECT string_agg(s2.b, ',' ORDER BY key) FROM (" + lake.scan("t").sql + ")"),
      "v0,v1,v2,v3");
  // A mapping of another type is refused by name.
  c.execute("UPDATE ducklake_column_mapping SET type = 'map_by_position'");
  try {
    lake.scan("t");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("has type 'map_by_position'"), std::string::npos) << e.what();
  }
}

// A struct field renamed, one dropped and one added after a file was written (as the
// extension's ALTER TABLE t RENAME s.a TO a2 etc. record it): the file is read by the names
// it was written with, the added field is NULL (its initial default).
TEST(LakeNestedEvolution, OlderFilesAreReadByTheirNestedNames) {
  test::TempDir dir;
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  Lake lake = Lake::open(testing::sqlite_config(dir));
  lake.create_table_as(con, "t",
                       "SELECT range::INT AS id, {'a': range::INT, 'b': 'v' || range} AS s FROM range(3)");
  Table t = lake.table("t");  // id 1, s 2 (a 3, b 4)
  CatalogDb& c = lake.catalog_db();
  Snapshot base = lake.latest_snapshot();
  std::int64_t snap = base.id + 1;
  c.execute("UPDATE ducklake_column SET end_snapshot = ? WHERE table_id = ? AND column_id IN (3, 4)",
            {snap, t.id});
  c.execute(
      "INSERT INTO ducklake_column VALUES (3, ?, NULL, ?, 1, 'a2', 'int32', NULL, NULL, true, 2, NULL, "
      "NULL), "
      "(5, ?, NULL, ?, 3, 'c', 'int32', NULL, NULL, true, 2, NULL, NULL)",
      {snap, t.id, snap, t.id});
  c.execute("INSERT INTO ducklake_snapshot VALUES (?, ?, ?, ?, ?)",
            {snap, base.time, base.schema_version + 1, base.next_catalog_id, base.next_file_id});
  c.execute("INSERT INTO ducklake_snapshot_changes VALUES (?, 'altered_table:1', NULL, NULL, NULL)", {snap});
  std::string sql = lake.scan("t").sql;
  EXPECT_EQ(testing::scalar(con, "SELECT string_agg(s::VARCHAR, ' ' ORDER BY id) FROM (" + sql + ")"),
            "{'a2': 0, 'c': NULL} {'a2': 1, 'c': NULL} {'a2': 2, 'c': NULL}");
  // The earlier snapshot still reads the old layout.
  EXPECT_EQ(testing::scalar(con, "SELECT string_agg(s.b, ',' ORDER BY id) FROM (" +
                                     lake.scan("t", SnapshotRef{base.id, std::nullopt}).sql + ")"),
            "v0,v1,v2");
}

}  // namespace

}  // namespace pond::lake
