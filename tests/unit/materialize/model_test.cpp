#include "materialize/model.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/error.hpp"
#include "engine/error.hpp"
#include "helpers.hpp"
#include "materialize/ephemeral.hpp"

namespace pond::materialize {

using testing::Db;
using testing::model;

TEST(Materialize, ViewAndTableReplaceEachOther) {
  Db t;
  Session s(t.con);
  auto spec = model("m", Materialized::kView, "select 1 as a;");
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select table_type from information_schema.tables where table_name = 'm'"), "VIEW");
  spec.materialized = Materialized::kTable;
  spec.compiled_sql = "select * from range(5) t(a)";
  auto r = materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(r.rows_affected, 5u);
  EXPECT_EQ(t.rows("select table_type from information_schema.tables where table_name = 'm'"), "BASE TABLE");
  spec.materialized = Materialized::kView;
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select table_type, (select count(*) from m) from information_schema.tables where "
                   "table_name = 'm'"),
            "VIEW,5");
}

TEST(Materialize, SchemaIsCreatedAndHooksAndDocsRun) {
  Db t;
  Session s(t.con);
  t.con.execute("create table main.audit(msg varchar)");
  auto spec = model("m", Materialized::kTable, "select 1 as id, 'x' as name");
  spec.relation.schema = "marts";
  spec.pre_hooks = {{"insert into main.audit values ('pre')", true},
                    {"insert into main.audit values ('before')", false}};
  spec.post_hooks = {{"insert into main.audit values ('post')", true}};
  spec.docs = {true, true, "the model", {{"id", "the key"}}};
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select * from marts.m"), "1,x");
  EXPECT_EQ(t.rows("select string_agg(msg, ' ' order by rowid) from main.audit"), "before pre post");
  EXPECT_EQ(t.rows("select comment from duckdb_tables() where table_name = 'm'"), "the model");
  EXPECT_EQ(t.rows("select comment from duckdb_columns() where table_name = 'm' and column_name = 'id'"),
            "the key");
  EXPECT_FALSE(s.log().empty());
}

TEST(Materialize, FailingTableBuildLeavesThePreviousTableIntact) {
  Db t;
  Session s(t.con);
  auto spec = model("m", Materialized::kTable, "select * from range(3) t(a)");
  materialize_model(s, testing::duckdb(), spec, {});
  spec.compiled_sql = "select a, 1/0 as boom, error('model failed') from range(3) t(a)";
  EXPECT_THROW(materialize_model(s, testing::duckdb(), spec, {}), engine::EngineError);
  EXPECT_EQ(t.rows("select count(*), sum(a) from m"), "3,3");
  EXPECT_EQ(t.rows("select count(*) from duckdb_columns() where table_name = 'm'"), "1");
  // A failing post-hook rolls the new table back too.
  spec.compiled_sql = "select 42 as a";
  spec.post_hooks = {{"select error('hook failed')", true}};
  EXPECT_THROW(materialize_model(s, testing::duckdb(), spec, {}), engine::EngineError);
  EXPECT_EQ(t.rows("select count(*), sum(a) from m"), "3,3");
  // Replacing a view by a table that fails keeps the view.
  auto v = model("v", Materialized::kView, "select 7 as x");
  materialize_model(s, testing::duckdb(), v, {});
  v.materialized = Materialized::kTable;
  v.compiled_sql = "select * from no_such_table";
  EXPECT_THROW(materialize_model(s, testing::duckdb(), v, {}), engine::EngineError);
  EXPECT_EQ(t.rows("select table_type from information_schema.tables where table_name = 'v'"), "VIEW");
}

TEST(Materialize, EphemeralCtesAreInlinedLikeDbt) {
  EXPECT_EQ(ephemeral_cte_name("stg"), "__dbt__cte__stg");
  std::vector<EphemeralCte> ctes = {{"a", "select 1 as x;"}, {"b", "select x + 1 as x from __dbt__cte__a"}};
  std::string plain = inject_ctes("select * from __dbt__cte__b", ctes);
  EXPECT_EQ(plain,
            "with __dbt__cte__a as (\nselect 1 as x\n),\n__dbt__cte__b as (\nselect x + 1 as x from "
            "__dbt__cte__a\n)\n"
            "select * from __dbt__cte__b");
  std::string with = inject_ctes("-- note\nWITH q AS (select * from __dbt__cte__b) select x from q", ctes);
  EXPECT_EQ(with.rfind("-- note\nWITH __dbt__cte__a as (", 0), 0u);
  Db t;
  EXPECT_EQ(t.rows(with), "2");
  EXPECT_EQ(t.rows(plain), "2");
  EXPECT_EQ(t.rows(inject_ctes("with recursive r(n) as (select 1 union all select n + 1 from r where n < 2) "
                               "select sum(n) + (select x from __dbt__cte__a) from r",
                               ctes)),
            "4");
  Session s(t.con);
  EXPECT_THROW(materialize_model(s, testing::duckdb(), model("e", Materialized::kEphemeral, "select 1"), {}),
               InternalError);  // the planner never builds an ephemeral model: a bug, not bad input
}

}  // namespace pond::materialize

namespace pond::materialize {

TEST(Materialize, RelationCacheSavesCatalogQueriesAndFollowsBuilds) {
  testing::Db t;
  t.con.execute(
      "create schema s; create table s.existing as select 1 as a; create view main.v as select 1 as a");
  RelationCache cache;
  EXPECT_FALSE(cache.kind({"", "s", "existing"}));
  cache.load(t.con);
  EXPECT_EQ(cache.kind({"", "S", "Existing"}), RelationKind::kTable);
  EXPECT_EQ(cache.kind({"", "main", "v"}), RelationKind::kView);
  EXPECT_EQ(cache.kind({"", "main", "nope"}), RelationKind::kNone);
  EXPECT_TRUE(cache.has_schema({"", "s", ""}).value_or(false));
  Session s(t.con, &cache);
  auto spec = testing::model("v", Materialized::kTable, "select 2 as a");
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(cache.kind(spec.relation), RelationKind::kTable);
  spec.relation.schema = "new_schema";
  spec.compiled_sql = "select error('x')";
  EXPECT_ANY_THROW(materialize_model(s, testing::duckdb(), spec, {}));
  EXPECT_EQ(cache.kind(spec.relation), RelationKind::kNone);  // the failed build left nothing
  EXPECT_TRUE(cache.has_schema(spec.relation).value_or(false));
  spec.compiled_sql = "select 3 as a";
  materialize_model(s, testing::duckdb(), spec, {});
  EXPECT_EQ(t.rows("select a from new_schema.v"), "3");
}

}  // namespace pond::materialize

namespace pond::materialize {

TEST(Materialize, ConcurrentSchemaCreationDoesNotConflict) {
  engine::Database db = engine::Database::open(":memory:");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      engine::Connection con(db);
      Session s(con);
      for (int i = 0; i < 40; ++i) {
        try {
          s.ensure_schema({"", "s" + std::to_string(i), "x"});
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  engine::Connection con(db);
  EXPECT_EQ(
      con.query("select count(*) from duckdb_schemas() where schema_name like 's%'").rows_as_text()[0][0],
      "40");
}

}  // namespace pond::materialize
