#include <gtest/gtest.h>

#include <fstream>

#include "helpers.hpp"
#include "materialize/model.hpp"
#include "materialize/seed.hpp"
#include "materialize/snapshot.hpp"
#include "support/temp_dir.hpp"

namespace pond::materialize {

using testing::Db;
using testing::model;

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

}  // namespace

TEST(Seed, InfersTypesLikeDbt) {
  pond::test::TempDir dir;
  auto csv = dir.path() / "people.csv";
  write(csv,
        "id,big,price,ok,born,seen,name,empty,code\n"
        "1,9000000000,1.50,true,2020-01-02,2020-01-02 10:11:12,Ann,,007\n"
        "2,1,2,False,2021-12-31,2021-12-31T00:00:00,null,,x\n"
        "3,,3,,,,\"Smith, J\",null,\n");
  Db t;
  Session s(t.con);
  SeedSpec spec{
      "seed.t.people", {"", "raw", "people"}, csv.string(), {{"code", "VARCHAR(10)"}}, ",", {}, {}, {}};
  auto cols = infer_seed_columns(s, spec);
  std::string types;
  for (auto& c : cols) types += c.name + ":" + c.type + " ";
  EXPECT_EQ(
      types,
      "id:INTEGER big:BIGINT price:DOUBLE ok:BOOLEAN born:DATE seen:TIMESTAMP name:VARCHAR empty:INTEGER "
      "code:VARCHAR(10) ");
  auto r = load_seed(s, testing::duckdb(), spec, {});
  EXPECT_EQ(r.rows_affected, 3u);
  EXPECT_EQ(t.rows("select id, price, ok, born, name, code from raw.people order by id"),
            "1,1.5,true,2020-01-02,Ann,007;2,2,false,2021-12-31,null,x;3,3,null,null,Smith, J,null");
  // A re-run truncates and reloads into the same table.
  write(csv, "id,big,price,ok,born,seen,name,empty,code\n4,1,1,true,2020-01-01,2020-01-01 00:00:00,Z,,c\n");
  load_seed(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select id, name from raw.people"), "4,Z");
}

TEST(Seed, DelimiterOption) {
  pond::test::TempDir dir;
  auto csv = dir.path() / "s.csv";
  write(csv, "a;b\n1;x\n2;y\n");
  Db t;
  Session s(t.con);
  SeedSpec spec{"seed.t.s", {"", "main", "s"}, csv.string(), {}, ";", {}, {}, {}};
  load_seed(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select * from s order by a"), "1,x;2,y");
}

TEST(Snapshot, TimestampStrategyWithHardDeletes) {
  Db t;
  Session s(t.con);
  t.con.execute(
      "create table src as select * from (values (1, 'a', timestamp '2024-01-01'), (2, 'b', timestamp "
      "'2024-01-01')) v(id, name, updated_at)");
  SnapshotSpec spec;
  spec.unique_id = "snapshot.t.snap";
  spec.relation = {"", "snapshots", "snap"};
  spec.compiled_sql = "select * from src";
  spec.unique_key = {"id"};
  spec.updated_at = "updated_at";
  spec.hard_deletes = HardDeletes::kInvalidate;
  RunOptions opts;
  opts.now = "2024-02-01 00:00:00";
  take_snapshot(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(t.rows("select id, dbt_valid_from, dbt_valid_to, dbt_updated_at from snapshots.snap order by id"),
            "1,2024-01-01 00:00:00,null,2024-01-01 00:00:00;2,2024-01-01 00:00:00,null,2024-01-01 00:00:00");
  EXPECT_EQ(t.rows("select dbt_scd_id = md5('1|2024-01-01 00:00:00') from snapshots.snap where id = 1"),
            "true");
  // Unchanged source: nothing happens.
  EXPECT_EQ(take_snapshot(s, testing::duckdb(), spec, opts).rows_affected, 0u);
  // id 1 changes, id 2 is deleted, id 3 is new.
  t.con.execute(
      "delete from src where id = 2; update src set name = 'A', updated_at = timestamp '2024-01-05' where id "
      "= 1; "
      "insert into src values (3, 'c', timestamp '2024-01-06')");
  opts.now = "2024-02-02 00:00:00";
  take_snapshot(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(
      t.rows("select id, name, dbt_valid_from, dbt_valid_to from snapshots.snap order by id, dbt_valid_from"),
      "1,a,2024-01-01 00:00:00,2024-01-05 00:00:00;1,A,2024-01-05 00:00:00,null;"
      "2,b,2024-01-01 00:00:00,2024-02-02 00:00:00;3,c,2024-01-06 00:00:00,null");
}

TEST(Snapshot, CheckStrategyAndNewRecordDeletes) {
  Db t;
  Session s(t.con);
  t.con.execute("create table src as select * from (values (1, 'a', 10), (2, 'b', 20)) v(id, name, amount)");
  SnapshotSpec spec;
  spec.unique_id = "snapshot.t.snap";
  spec.relation = {"", "main", "snap"};
  spec.compiled_sql = "select * from src";
  spec.unique_key = {"id"};
  spec.strategy = SnapshotStrategy::kCheck;
  spec.check_cols = {"name"};
  spec.hard_deletes = HardDeletes::kNewRecord;
  RunOptions opts;
  opts.now = "2024-01-01 00:00:00";
  take_snapshot(s, testing::duckdb(), spec, opts);
  t.con.execute("update src set amount = 11 where id = 1; update src set name = 'B' where id = 2");
  opts.now = "2024-01-02 00:00:00";
  take_snapshot(s, testing::duckdb(), spec, opts);
  // amount is not checked: id 1 keeps one version; id 2 gets a second one.
  EXPECT_EQ(t.rows("select id, name, dbt_valid_from, dbt_valid_to, dbt_is_deleted from snap order by id, "
                   "dbt_valid_from"),
            "1,a,2024-01-01 00:00:00,null,False;2,b,2024-01-01 00:00:00,2024-01-02 00:00:00,False;"
            "2,B,2024-01-02 00:00:00,null,False");
  t.con.execute("delete from src where id = 1");
  opts.now = "2024-01-03 00:00:00";
  take_snapshot(s, testing::duckdb(), spec, opts);
  take_snapshot(s, testing::duckdb(), spec, opts);  // idempotent: the deletion is recorded once
  EXPECT_EQ(t.rows("select name, dbt_valid_from, dbt_valid_to, dbt_is_deleted from snap where id = 1 order "
                   "by dbt_valid_from"),
            "a,2024-01-01 00:00:00,2024-01-03 00:00:00,False;a,2024-01-03 00:00:00,null,True");
  // The key comes back: the deleted marker is closed and a live version starts.
  t.con.execute("insert into src values (1, 'again', 1)");
  opts.now = "2024-01-04 00:00:00";
  take_snapshot(s, testing::duckdb(), spec, opts);
  EXPECT_EQ(
      t.rows("select name, dbt_is_deleted, dbt_valid_to from snap where id = 1 order by dbt_valid_from"),
      "a,False,2024-01-03 00:00:00;a,True,2024-01-04 00:00:00;again,False,null");
}

TEST(External, WritesFilesAndRegistersAView) {
  pond::test::TempDir dir;
  Db t;
  Session s(t.con);
  auto spec = model("ext", Materialized::kExternal, "select range as id, range % 2 as part from range(6)");
  spec.external.external_root = (dir.path() / "out").string();
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "ext.parquet"));
  EXPECT_EQ(t.rows("select count(*), sum(id) from ext"), "6,15");

  spec.external.location = (dir.path() / "csv" / "e.csv").string();
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select count(*) from read_csv('" + spec.external.location + "')"), "6");

  spec.external.location = (dir.path() / "parts").string();
  spec.external.format = "parquet";
  spec.external.partition_by = {"part"};
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "parts" / "part=1"));
  EXPECT_EQ(t.rows("select part, count(*) from ext group by part order by part"), "0,3;1,3");
  // A failing rebuild keeps the previous files and view.
  spec.compiled_sql = "select error('nope') as id, 1 as part";
  EXPECT_ANY_THROW(materialize_model(s, testing::duckdb(), spec, {}));
  EXPECT_EQ(t.rows("select count(*) from ext"), "6");
}

}  // namespace pond::materialize
