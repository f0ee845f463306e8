// A lake pond writes is read by DuckDB's ducklake extension under any name from any folder:
// view SQL names the lake through {DUCKLAKE_CATALOG}, data_path is absolute (and relocatable).
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "lake/view_sql.hpp"
#include "lake_test_util.hpp"

namespace pond::lake {

namespace {

class LakePortability : public ::testing::Test {
 protected:
  LakeConfig config(const std::string& sql_catalog = "shop") {
    LakeConfig c = testing::sqlite_config(dir_);
    c.sql_catalog = sql_catalog;
    return c;
  }
  test::TempDir dir_;
  engine::Database db_ = engine::Database::open(":memory:");
  engine::Connection con_{db_};
};

TEST_F(LakePortability, ViewsAreStoredWithoutTheProjectDatabase) {
  Lake lake = Lake::open(config());
  lake.create_table_as(con_, "main.orders", "SELECT range AS id FROM range(5)");
  lake.create_view("main.big", R"(select * from "shop"."main"."orders" where id > 2)", true);
  auto views = lake.views();
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].sql, R"(select * from {DUCKLAKE_CATALOG}."main"."orders" where id > 2)");
  // Attached under another name, the view reads that catalog's table.
  con_.execute("ATTACH ':memory:' AS other");
  lake.attach(con_, {}, "other");
  EXPECT_EQ(testing::scalar(con_, "SELECT count(*) FROM other.main.big"), "2");
  // And in the current database when no name is given.
  lake.attach(con_);
  EXPECT_EQ(testing::scalar(con_, "SELECT count(*) FROM main.big"), "2");
}

TEST_F(LakePortability, OlderViewsAreMigratedWhenOpenedForWriting) {
  {
    Lake lake = Lake::open(config(""));  // as pond wrote views before: SQL as compiled
    lake.create_table_as(con_, "main.orders", "SELECT range AS id FROM range(5)");
    lake.create_view("main.v1", R"(select * from "shop"."main"."orders")", true);
    lake.create_view("main.v1", R"(select id from "shop"."main"."orders" where id > 0)", true);
    EXPECT_EQ(lake.views()[0].sql, R"(select id from "shop"."main"."orders" where id > 0)");
  }
  Lake lake = Lake::open(config("shop"));
  auto rows = lake.catalog_db().query("SELECT sql FROM ducklake_view ORDER BY begin_snapshot");
  ASSERT_EQ(rows.size(), 2u);  // every version, the closed one too
  EXPECT_EQ(rows[0][0].value_or(""), R"(select * from {DUCKLAKE_CATALOG}."main"."orders")");
  EXPECT_EQ(rows[1][0].value_or(""), R"(select id from {DUCKLAKE_CATALOG}."main"."orders" where id > 0)");
  EXPECT_EQ(lake.migrate_view_sql("shop"), 0);  // nothing left to do
  // Read-only opens change nothing.
  Lake reader = Lake::open(config("elsewhere"), false);
  EXPECT_EQ(reader.views()[0].sql, rows[1][0].value_or(""));
}

TEST_F(LakePortability, ViewsOfOtherDialectsFailByNameWhenQueried) {
  Lake lake = Lake::open(config());
  lake.create_table_as(con_, "main.orders", "SELECT 1 AS id");
  lake.create_view("main.v", "select 1", true);
  lake.catalog_db().execute("UPDATE ducklake_view SET dialect = 'spark'");
  lake.attach(con_);  // the rest of the lake stays readable
  EXPECT_EQ(testing::scalar(con_, "SELECT count(*) FROM main.orders"), "1");
  try {
    con_.query("SELECT * FROM main.v");
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("written in SQL dialect 'spark'"), std::string::npos) << e.what();
  }
}

TEST_F(LakePortability, RelocateStoresTheNewAbsoluteDataPath) {
  {
    Lake lake = Lake::open(config());
    lake.create_table_as(con_, "main.orders", "SELECT range AS id FROM range(5)");
  }
  std::filesystem::rename(dir_ / "lake", dir_ / "moved");
  LakeConfig moved = config();
  moved.data_path = "moved/";
  Lake lake = Lake::open(moved, false);  // warns: the catalog still names lake/
  EXPECT_EQ(lake.stored_data_path(), (dir_ / "lake").string() + "/");
  EXPECT_NE(lake.duckdb_attach_sql("lk").find("DATA_PATH '" + (dir_ / "moved").string() +
                                              "/', OVERRIDE_DATA_PATH true"),
            std::string::npos);
  // A folder without the lake's files is refused.
  std::filesystem::create_directories(dir_ / "empty");
  EXPECT_THROW(lake.relocate((dir_ / "empty").string()), UserError);
  EXPECT_THROW(lake.relocate((dir_ / "nowhere").string()), UserError);
  EXPECT_EQ(lake.relocate(), (dir_ / "lake").string() + "/");
  EXPECT_EQ(lake.stored_data_path(), (dir_ / "moved").string() + "/");
  EXPECT_EQ(lake.duckdb_attach_sql("lk"),
            "ATTACH 'ducklake:sqlite:" + (dir_ / "lake.sqlite").string() + "' AS \"lk\";");
  EXPECT_EQ(testing::scalar(con_, "SELECT count(*) FROM (" + lake.scan("main.orders").sql + ")"), "5");
}

TEST(LakeConninfo, PasswordsAreRedacted) {
  EXPECT_EQ(redact_conninfo("dbname=lake host=db password=s3cret user=me"),
            "dbname=lake host=db password=*** user=me");
  EXPECT_EQ(redact_conninfo("postgresql://me:s3cret@db:5432/lake"), "postgresql://me:***@db:5432/lake");
  EXPECT_EQ(redact_conninfo("postgresql://me@db/lake"), "postgresql://me@db/lake");
  EXPECT_EQ(redact_conninfo("dbname=lake"), "dbname=lake");
}

}  // namespace

}  // namespace pond::lake
