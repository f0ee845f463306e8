#include "dbt/node_steps.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dbt/step_details.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "exec/executor.hpp"
#include "support/temp_dir.hpp"

namespace pond::dbt {

namespace {
const exec::StepResult& result_of(const exec::RunOutcome& o, const std::string& id) {
  for (const auto& r : o.results)
    if (r.info->id == id) return r;
  throw std::runtime_error("no result for " + id);
}
}  // namespace

TEST(Executor, ModelStepsInParallelOnOneDatabaseFile) {
  test::TempDir dir;
  engine::Database db = engine::Database::open((dir.path() / "w.duckdb").string());
  materialize::RunOptions opts;
  std::vector<std::unique_ptr<exec::Step>> owned;
  materialize::DuckDbBackend duckdb;
  auto add_model = [&](const std::string& name, const std::string& sql, std::vector<std::string> deps,
                       const std::string& schema = "main") {
    materialize::ModelSpec spec;
    spec.unique_id = "model.p." + name;
    spec.relation = {"", schema, name};
    spec.materialized = materialize::Materialized::kTable;
    spec.compiled_sql = sql;
    owned.push_back(std::make_unique<ModelStep>(spec, std::move(deps), opts, duckdb));
  };
  add_model("base", "select * from range(100) t(id)", {});
  for (int i = 0; i < 8; ++i) {
    add_model("m" + std::to_string(i), "select id * " + std::to_string(i) + " as v from main.base",
              {"model.p.base"}, i % 2 ? "marts" : "staging");
  }
  add_model("broken", "select missing_column from main.base", {"model.p.base"});
  materialize::TestSpec t;
  t.unique_id = "test.p.not_null_base_id";
  t.name = "not_null_base_id";
  t.sql = materialize::not_null_test_sql("main.base", "id");
  owned.push_back(std::make_unique<TestStep>(t, std::vector<std::string>{"model.p.base"}, "main.base"));
  std::vector<exec::Step*> steps;
  for (auto& s : owned) steps.push_back(s.get());
  exec::Executor ex(&db, {2, false});
  exec::RunOutcome out = ex.run(steps);
  EXPECT_EQ(result_of(out, "model.p.m7").outcome.status, exec::Status::kSuccess);
  EXPECT_EQ(result_of(out, "model.p.m7").outcome.rows, 100u);
  EXPECT_EQ(result_of(out, "model.p.broken").outcome.status, exec::Status::kError);
  ASSERT_TRUE(node_outcome(result_of(out, "model.p.broken").outcome));
  EXPECT_FALSE(node_outcome(result_of(out, "model.p.broken").outcome)->executed_sql.empty());
  EXPECT_EQ(result_of(out, "test.p.not_null_base_id").outcome.status, exec::Status::kPass);
  engine::Connection con(db);
  EXPECT_EQ(con.query("select sum(v) from marts.m3").rows_as_text()[0][0], "14850");
  EXPECT_EQ(
      con.query("select count(*) from duckdb_tables() where table_name = 'broken'").rows_as_text()[0][0],
      "0");
}

TEST(Executor, CancelledRebuildLeavesThePreviousTable) {
  test::TempDir dir;
  engine::Database db = engine::Database::open((dir.path() / "c.duckdb").string());
  engine::Connection(db).execute("create table main.t as select * from range(3) r(id)");
  materialize::RunOptions opts;
  materialize::ModelSpec spec;
  spec.unique_id = "model.p.t";
  spec.relation = {"", "main", "t"};
  spec.materialized = materialize::Materialized::kTable;
  spec.compiled_sql = "select count(*) as id from range(10000000000)";
  materialize::DuckDbBackend duckdb;
  ModelStep step(spec, {}, opts, duckdb);
  exec::Executor ex(&db, {1, false});
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ex.cancel();
  });
  exec::RunOutcome out = ex.run({&step});
  canceller.join();
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(out.results.at(0).outcome.status, exec::Status::kError);
  engine::Connection con(db);
  EXPECT_EQ(con.query("select count(*), sum(id) from main.t").rows_as_text()[0][1], "3");
}

}  // namespace pond::dbt
