#include <gtest/gtest.h>

#include "common/error.hpp"
#include "engine/error.hpp"
#include "helpers.hpp"
#include "materialize/model.hpp"

namespace pond::materialize {

using testing::Db;
using testing::model;

namespace {

ModelSpec incremental(IncrementalStrategy strategy, std::vector<std::string> key = {}) {
  auto spec = model("inc", Materialized::kIncremental, "select * from src");
  spec.strategy = strategy;
  spec.unique_key = std::move(key);
  return spec;
}

}  // namespace

TEST(Incremental, AppendAddsRowsAndFullRefreshRebuilds) {
  Db t;
  Session s(t.con);
  t.con.execute("create table src as select 1 as id, 'a' as v");
  auto spec = incremental(IncrementalStrategy::kAppend);
  EXPECT_EQ(materialize_model(s, testing::duckdb(), spec, {}).rows_affected, 1u);
  EXPECT_EQ(materialize_model(s, testing::duckdb(), spec, {}).rows_affected, 1u);
  EXPECT_EQ(t.rows("select count(*) from inc"), "2");
  RunOptions full;
  full.full_refresh = true;
  materialize_model(s, testing::duckdb(), spec, full);
  EXPECT_EQ(t.rows("select count(*) from inc"), "1");
  spec.full_refresh = false;  // the model's config wins over the flag
  materialize_model(s, testing::duckdb(), spec, full);
  EXPECT_EQ(t.rows("select count(*) from inc"), "2");
}

TEST(Incremental, DeleteInsertWithSingleAndCompositeKeys) {
  Db t;
  Session s(t.con);
  t.con.execute("create table src as select * from (values (1, 'x', 'a'), (2, 'x', 'b')) v(id, k, val)");
  auto spec = incremental(IncrementalStrategy::kDeleteInsert, {"id"});
  materialize_model(s, testing::duckdb(), spec, {});
  t.con.execute("delete from src; insert into src values (2, 'x', 'B'), (3, 'x', 'c')");
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select id, val from inc order by id"), "1,a;2,B;3,c");
  t.con.execute("delete from src; insert into src values (3, 'y', 'new'), (3, 'x', 'C')");
  spec.unique_key = {"id", "k"};
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select id, k, val from inc order by id, k"), "1,x,a;2,x,B;3,x,C;3,y,new");
  // The default strategy is delete+insert when there is a key.
  spec.strategy = IncrementalStrategy::kDefault;
  spec.unique_key = {"id"};
  t.con.execute("delete from src; insert into src values (1, 'z', 'z1')");
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select id, k, val from inc order by id, k"), "1,z,z1;2,x,B;3,x,C;3,y,new");
}

TEST(Incremental, MergeUpdatesMatchedAndInsertsNew) {
  Db t;
  Session s(t.con);
  t.con.execute("create table src as select * from (values (1, 'a', 10), (2, 'b', 20)) v(id, name, amount)");
  auto spec = incremental(IncrementalStrategy::kMerge, {"id"});
  materialize_model(s, testing::duckdb(), spec, {});
  t.con.execute("delete from src; insert into src values (2, 'bb', 21), (3, 'c', 30)");
  auto r = materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(r.rows_affected, 2u);
  EXPECT_EQ(t.rows("select * from inc order by id"), "1,a,10;2,bb,21;3,c,30");
  spec.merge_exclude_columns = {"name"};
  t.con.execute("delete from src; insert into src values (3, 'ignored', 31)");
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select * from inc where id = 3"), "3,c,31");
  // Without a key, merge only inserts.
  spec.unique_key.clear();
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select count(*) from inc where id = 3"), "2");
}

TEST(Incremental, OnSchemaChangeModes) {
  Db t;
  Session s(t.con);
  t.con.execute("create table src as select 1 as id, 'a' as old_col");
  auto spec = incremental(IncrementalStrategy::kAppend);
  materialize_model(s, testing::duckdb(), spec, {});
  t.con.execute("drop table src; create table src as select 2 as id, 2.5::double as new_col");

  spec.on_schema_change = OnSchemaChange::kFail;
  try {
    materialize_model(s, testing::duckdb(), spec, {});
    FAIL() << "expected the schema change to fail";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("out of sync"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("new_col"), std::string::npos);
  }
  EXPECT_EQ(t.rows("select count(*) from inc"), "1");

  spec.on_schema_change = OnSchemaChange::kIgnore;  // inserts the target's columns: old_col is missing
  EXPECT_THROW(materialize_model(s, testing::duckdb(), spec, {}), engine::EngineError);

  spec.on_schema_change = OnSchemaChange::kAppendNewColumns;
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select id, old_col, new_col from inc order by id"), "1,a,null;2,null,2.5");

  t.con.execute("drop table src; create table src as select 3::bigint as id, 3.5::double as new_col");
  spec.on_schema_change = OnSchemaChange::kSyncAllColumns;
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select column_name, data_type from information_schema.columns where table_name = 'inc' "
                   "order by ordinal_position"),
            "id,BIGINT;new_col,DOUBLE");
  EXPECT_EQ(t.rows("select * from inc order by id"), "1,null;2,2.5;3,3.5");
}

TEST(Incremental, FailingIncrementalRunLeavesTableIntact) {
  Db t;
  Session s(t.con);
  t.con.execute("create table src as select 1 as id");
  auto spec = incremental(IncrementalStrategy::kDeleteInsert, {"id"});
  spec.post_hooks = {{"select case when (select count(*) from inc) > 1 then error('too many') end", true}};
  materialize_model(s, testing::duckdb(), spec, {});
  t.con.execute("insert into src values (2)");
  EXPECT_THROW(materialize_model(s, testing::duckdb(), spec, {}), engine::EngineError);
  EXPECT_EQ(t.rows("select * from inc"), "1");
  // The connection is usable afterwards and the temp relation is gone.
  EXPECT_EQ(t.rows("select count(*) from duckdb_tables() where table_name like '%__dbt_tmp'"), "0");
}

}  // namespace pond::materialize

namespace pond::materialize {

TEST(Incremental, IsIncrementalForTheCompiler) {
  testing::Db t;
  Session s(t.con);
  auto spec = testing::model("inc", Materialized::kIncremental, "select 1 as id");
  EXPECT_FALSE(is_incremental(s, testing::duckdb(), spec, {}));
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_TRUE(is_incremental(s, testing::duckdb(), spec, {}));
  RunOptions full;
  full.full_refresh = true;
  EXPECT_FALSE(is_incremental(s, testing::duckdb(), spec, full));
  spec.materialized = Materialized::kTable;
  EXPECT_FALSE(is_incremental(s, testing::duckdb(), spec, {}));
}

}  // namespace pond::materialize
