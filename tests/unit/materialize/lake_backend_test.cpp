// Lake materializations on a temporary SQLite lake and an in-memory DuckDB prepared as a lake
// target's run database.
#include "materialize/lake_backend.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "materialize/model.hpp"
#include "materialize/snapshot.hpp"
#include "support/temp_dir.hpp"

namespace pond::materialize {

namespace {

class LakeModels : public ::testing::Test {
 protected:
  LakeModels()
      : db_(engine::Database::open(":memory:")),
        target_(
            [&] {
              lake::LakeConfig c;
              c.catalog = "sqlite:lake/catalog.sqlite";
              c.data_path = "lake/data/";
              c.base_dir = dir_.path();
              return c;
            }(),
            "shop") {
    prepare_memory_database(db_, "shop");
    con_ = std::make_unique<engine::Connection>(db_);
    target_.expose(*con_);
  }

  ModelSpec model(const std::string& name, Materialized m, const std::string& sql) {
    ModelSpec s;
    s.unique_id = "model.shop." + name;
    s.relation = {"shop", "main", name};
    s.materialized = m;
    s.compiled_sql = sql;
    return s;
  }

  MaterializeResult build(const ModelSpec& spec) {
    Session session(*con_);
    return materialize_model(session, backend_, spec, options_);
  }

  std::string query(const std::string& sql) {
    auto rows = con_->query(sql).rows_as_text();
    std::string out;
    for (const auto& row : rows) {
      for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + row[i].value_or("NULL");
      out += ";";
    }
    return out;
  }

  std::int64_t snapshots() {
    std::int64_t n = 0;
    target_.with_lake([&](lake::Lake& lake) { n = static_cast<std::int64_t>(lake.snapshots().size()); });
    return n;
  }

  test::TempDir dir_;
  engine::Database db_;
  LakeTarget target_;
  LakeBackend backend_{target_};
  std::unique_ptr<engine::Connection> con_;
  RunOptions options_;
};

}  // namespace

TEST_F(LakeModels, TableViewAndRefReadTheLake) {
  MaterializeResult t = build(model("nums", Materialized::kTable, "select range::INT as id from range(5)"));
  ASSERT_TRUE(t.snapshot);
  EXPECT_EQ(t.rows_affected, 5u);
  EXPECT_EQ(target_.kind("main", "nums"), LakeKind::kTable);
  MaterializeResult v =
      build(model("evens", Materialized::kView, "select * from \"shop\".\"main\".\"nums\" where id % 2 = 0"));
  ASSERT_TRUE(v.snapshot);
  EXPECT_EQ(*v.snapshot, *t.snapshot + 1);
  EXPECT_EQ(query("select count(*) from main.evens"), "3;");
  target_.with_lake([&](lake::Lake& lake) { EXPECT_EQ(lake.views().size(), 1u); });
  // A table replacing the view: the view is dropped first, the table is one more snapshot.
  build(model("evens", Materialized::kTable, "select 1 as id"));
  EXPECT_EQ(target_.kind("main", "evens"), LakeKind::kTable);
  target_.with_lake([&](lake::Lake& lake) { EXPECT_TRUE(lake.views().empty()); });
}

TEST_F(LakeModels, IncrementalStrategiesAreOneSnapshotEach) {
  auto spec = model("inc", Materialized::kIncremental,
                    "select * from (values (1, 'a', 10), (2, 'b', 20)) t(k, v, n)");
  spec.unique_key = {"k"};
  spec.strategy = IncrementalStrategy::kMerge;
  spec.merge_update_columns = {"v"};
  build(spec);
  std::int64_t before = snapshots();
  spec.compiled_sql = "select * from (values (2, 'B', 99), (3, 'c', 30)) t(k, v, n)";
  MaterializeResult r = build(spec);
  EXPECT_EQ(snapshots(), before + 1);
  // k=2 matched: v updated, n kept (not in merge_update_columns); k=3 inserted.
  EXPECT_EQ(query("select * from main.inc order by k"), "1,a,10;2,B,20;3,c,30;");

  spec.strategy = IncrementalStrategy::kDeleteInsert;
  spec.compiled_sql = "select * from (values (1, 'z', 0)) t(k, v, n)";
  build(spec);
  EXPECT_EQ(query("select * from main.inc order by k"), "1,z,0;2,B,20;3,c,30;");

  spec.strategy = IncrementalStrategy::kAppend;
  spec.compiled_sql = "select 4 as k, 'd' as v, 40 as n";
  build(spec);
  EXPECT_EQ(query("select count(*), sum(n) from main.inc"), "4,90;");
  EXPECT_EQ(snapshots(), before + 3);
}

TEST_F(LakeModels, OnSchemaChange) {
  auto spec = model("evo", Materialized::kIncremental, "select 1 as k");
  spec.strategy = IncrementalStrategy::kAppend;
  build(spec);
  spec.compiled_sql = "select 2 as k, 'x' as extra";
  spec.on_schema_change = OnSchemaChange::kFail;
  std::int64_t before = snapshots();
  EXPECT_THROW(build(spec), UserError);
  EXPECT_EQ(snapshots(), before);
  spec.on_schema_change = OnSchemaChange::kIgnore;
  build(spec);
  EXPECT_EQ(query("select * from main.evo order by k"), "1;2;");
  spec.on_schema_change = OnSchemaChange::kAppendNewColumns;
  spec.compiled_sql = "select 3 as k, 'y' as extra";
  build(spec);
  EXPECT_EQ(query("select k, extra from main.evo order by k"), "1,NULL;2,NULL;3,y;");
}

TEST_F(LakeModels, AFailingBuildCommitsNothing) {
  build(model("t", Materialized::kTable, "select 1 as id"));
  std::int64_t before = snapshots();
  EXPECT_ANY_THROW(build(model("t", Materialized::kTable, "select error('no') as id")));
  EXPECT_EQ(snapshots(), before);
  EXPECT_EQ(query("select * from main.t"), "1;");
}

TEST_F(LakeModels, SnapshotsCloseChangedRows) {
  con_->execute("create table main.src as select * from (values (1, 'a'), (2, 'b')) t(id, v)");
  SnapshotSpec s;
  s.unique_id = "snapshot.shop.snap";
  s.relation = {"shop", "snaps", "snap"};
  s.compiled_sql = "select * from main.src";
  s.unique_key = {"id"};
  s.strategy = SnapshotStrategy::kCheck;
  s.check_cols = {"v"};
  options_.now = "2026-01-01 00:00:00";
  Session session(*con_);
  take_snapshot(session, backend_, s, options_);
  std::int64_t before = snapshots();
  MaterializeResult same = take_snapshot(session, backend_, s, options_);
  EXPECT_FALSE(same.snapshot);  // nothing changed, nothing committed
  EXPECT_EQ(snapshots(), before);
  con_->execute("update main.src set v = 'B' where id = 2");
  options_.now = "2026-01-02 00:00:00";
  MaterializeResult changed = take_snapshot(session, backend_, s, options_);
  ASSERT_TRUE(changed.snapshot);
  EXPECT_EQ(snapshots(), before + 1);
  EXPECT_EQ(query("select id, v, dbt_valid_from::date, dbt_valid_to::date from snaps.snap order by id, "
                  "dbt_valid_from"),
            "1,a,2026-01-01,NULL;2,b,2026-01-01,2026-01-02;2,B,2026-01-02,NULL;");
}

}  // namespace pond::materialize
