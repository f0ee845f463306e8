#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "dbt/artifacts.hpp"
#include "dbt/step_details.hpp"
#include "support/temp_dir.hpp"

namespace pond::dbt {

namespace {

using namespace std::chrono_literals;

std::shared_ptr<NodeOutcome> sql_run(std::vector<std::string> statements) {
  auto d = std::make_shared<NodeOutcome>();
  d->executed_sql = std::move(statements);
  return d;
}

}  // namespace

TEST(RunSqlWriter, LeavesAFileWithTheSameSqlUntouchedAndRewritesAChangedOne) {
  test::TempDir dir;
  exec::StepInfo a;
  a.id = "model.shop.a";
  a.kind = "model";
  exec::StepResult r;
  r.info = &a;
  r.outcome.details = sql_run({"CREATE OR REPLACE TABLE x AS (select 1)"});
  {
    RunSqlWriter writer(dir.path());
    writer.on_finish(r, 1);
    writer.finish();
  }
  auto path = dir.path() / "run" / run_sql_path(a);
  ASSERT_TRUE(std::filesystem::exists(path));
  auto old_time = std::filesystem::file_time_type::clock::now() - 1h;
  std::filesystem::last_write_time(path, old_time);
  {
    RunSqlWriter writer(dir.path());
    writer.on_finish(r, 1);
    writer.finish();
  }
  EXPECT_EQ(std::filesystem::last_write_time(path), old_time);  // same SQL: not rewritten
  r.outcome.details = sql_run({"CREATE OR REPLACE TABLE x AS (select 2)"});
  {
    RunSqlWriter writer(dir.path());
    writer.on_finish(r, 1);
    writer.finish();
  }
  EXPECT_NE(std::filesystem::last_write_time(path), old_time);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "CREATE OR REPLACE TABLE x AS (select 2);\n\n");
}

}  // namespace pond::dbt
