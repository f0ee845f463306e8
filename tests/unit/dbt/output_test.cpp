#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/log.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "dbt/artifacts.hpp"
#include "dbt/invocation.hpp"
#include "dbt/node_steps.hpp"
#include "dbt/progress.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "exec/executor.hpp"
#include "runstore/recorder.hpp"
#include "support/temp_dir.hpp"

namespace pond::dbt {

namespace {

// A small project: a seed-like table, two models (one broken, with a child) and two tests.
struct Project {
  materialize::RunOptions opts;
  materialize::DuckDbBackend duckdb;
  std::vector<std::unique_ptr<exec::Step>> owned;
  std::vector<exec::Step*> steps;
  Project() {
    auto model = [&](const std::string& name, materialize::Materialized m, const std::string& sql,
                     std::vector<std::string> deps) {
      materialize::ModelSpec s;
      s.unique_id = "model.shop." + name;
      s.relation = {"", "main", name};
      s.materialized = m;
      s.compiled_sql = sql;
      owned.push_back(std::make_unique<ModelStep>(s, std::move(deps), opts, duckdb));
    };
    model("customers", materialize::Materialized::kTable, "select * from range(1200) t(id)", {});
    model("broken", materialize::Materialized::kView, "select nope from main.customers",
          {"model.shop.customers"});
    model("after_broken", materialize::Materialized::kTable, "select * from main.broken",
          {"model.shop.broken"});
    auto test = [&](const std::string& name, const std::string& sql, materialize::Severity sev) {
      materialize::TestSpec t;
      t.unique_id = "test.shop." + name;
      t.name = name;
      t.sql = sql;
      t.severity = sev;
      owned.push_back(std::make_unique<TestStep>(t, std::vector<std::string>{"model.shop.customers"},
                                                 "main.customers", duckdb));
    };
    test("unique_customers_id", materialize::unique_test_sql("main.customers", "id"),
         materialize::Severity::kError);
    test("few_customers", "select * from main.customers where id < 3", materialize::Severity::kWarn);
    test("no_big_ids", "select * from main.customers where id > 1196", materialize::Severity::kError);
    for (auto& s : owned) steps.push_back(s.get());
  }
};

}  // namespace

TEST(Progress, DbtLikeLinesAndSummary) {
  engine::Database db = engine::Database::open(":memory:");
  Project p;
  std::ostringstream out;
  ProgressPrinter printer(out, {false, false, false});
  exec::Executor ex(&db, {1, false});
  exec::RunOutcome outcome = ex.run(p.steps, &printer);
  printer.print_summary(outcome);
  std::string text = out.str();
  EXPECT_NE(text.find("1 of 6 START sql table model main.customers ......"), std::string::npos) << text;
  EXPECT_NE(text.find("1 of 6 OK created sql table model main.customers"), std::string::npos) << text;
  EXPECT_NE(text.find("[OK 1200 in "), std::string::npos) << text;
  EXPECT_NE(text.find("ERROR creating sql view model main.broken"), std::string::npos) << text;
  EXPECT_NE(text.find("SKIP relation main.after_broken"), std::string::npos) << text;
  EXPECT_NE(text.find("PASS unique_customers_id"), std::string::npos) << text;
  EXPECT_NE(text.find("WARN 3 few_customers"), std::string::npos) << text;
  EXPECT_NE(text.find("[FAIL 3 in "), std::string::npos) << text;
  EXPECT_NE(text.find("Completed with 2 errors, 0 partial successes, and 1 warning:"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Done. PASS=2 WARN=1 ERROR=2 SKIP=1 NO-OP=0 TOTAL=6"), std::string::npos) << text;
  EXPECT_EQ(dotted_line("1 of 1 START x", "RUN").size(), 80u);
}

TEST(Progress, LiveLineOnATerminal) {
  engine::Database db = engine::Database::open(":memory:");
  Project p;
  std::ostringstream out;
  ProgressPrinter printer(out, {false, true, false});
  exec::Executor ex(&db, {1, false});
  printer.print_summary(ex.run(p.steps, &printer));
  std::string text = out.str();
  // Each line clears the live line first and redraws it below.
  EXPECT_NE(text.find("\r\033[K1 of 6 START"), std::string::npos) << text;
  EXPECT_NE(text.find("[####"), std::string::npos) << text;
  EXPECT_NE(text.find("6/6"), std::string::npos) << text;
}

TEST(Progress, JsonLogLines) {
  test::TempDir dir;
  auto path = dir.path() / "stderr.txt";
  engine::Database db = engine::Database::open(":memory:");
  Project p;
  std::ostringstream out;
  log::Options saved = log::options();
  std::fflush(stderr);
  int old_fd = dup(STDERR_FILENO);
  std::FILE* f = std::fopen(path.c_str(), "w");
  dup2(fileno(f), STDERR_FILENO);
  log::configure({log::Level::kInfo, log::Format::kJson, false});
  {
    ProgressPrinter printer(out, {true, false, false});
    exec::Executor ex(&db, {1, false});
    printer.print_summary(ex.run(p.steps, &printer));
  }
  std::fflush(stderr);
  dup2(old_fd, STDERR_FILENO);
  close(old_fd);
  std::fclose(f);
  log::configure(saved);
  EXPECT_EQ(out.str(), "");  // nothing on stdout in json mode
  std::istringstream lines(test::read_file(path));
  std::string line;
  int starts = 0, finishes = 0, summaries = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    std::string event = j.value("event", "");
    starts += event == "step_start";
    finishes += event == "step_finish";
    summaries += event == "run_finish";
    if (event == "step_finish" && j["unique_id"] == "model.shop.customers") {
      EXPECT_EQ(j["status"], "success");
      EXPECT_EQ(j["rows_affected"], "1200");
    }
  }
  EXPECT_EQ(starts, 5);
  EXPECT_EQ(finishes, 6);  // the skipped step has no start
  EXPECT_EQ(summaries, 1);
}

TEST(Artifacts, RunResultsAndExecutedSqlAndRunStore) {
  test::TempDir dir;
  engine::Database db = engine::Database::open(":memory:");
  Project p;
  runstore::RunStore store = runstore::RunStore::open(dir.path() / ".pond" / "state.db");
  std::string run_id = random_uuid();
  store.start_run({run_id, "build", "", "{}", "running", iso_utc_now(), "", "dev", "cli", "", ""});
  runstore::RunRecorder recorder(store, run_id);
  exec::Executor ex(&db, {2, false});
  exec::RunOutcome outcome = ex.run(p.steps, &recorder);
  recorder.finish(outcome);
  write_artifacts(dir.path() / "target", outcome,
                  {run_id, "", std::string(project::kDbtVersion), R"({"which":"build"})"});

  auto doc = nlohmann::json::parse(test::read_file(dir.path() / "target" / "run_results.json"));
  EXPECT_EQ(doc["metadata"]["dbt_schema_version"], "https://schemas.getdbt.com/dbt/run-results/v6.json");
  EXPECT_EQ(doc["metadata"]["invocation_id"], run_id);
  EXPECT_EQ(doc["args"]["which"], "build");
  ASSERT_EQ(doc["results"].size(), 6u);
  std::map<std::string, nlohmann::json> by_id;
  for (auto& r : doc["results"]) by_id[r["unique_id"]] = r;
  auto& customers = by_id["model.shop.customers"];
  EXPECT_EQ(customers["status"], "success");
  EXPECT_EQ(customers["adapter_response"]["rows_affected"], 1200);
  EXPECT_EQ(customers["timing"].size(), 2u);
  EXPECT_EQ(customers["relation_name"], "\"main\".\"customers\"");
  EXPECT_TRUE(customers["thread_id"].get<std::string>().rfind("Thread-", 0) == 0);
  EXPECT_EQ(by_id["model.shop.broken"]["status"], "error");
  EXPECT_NE(by_id["model.shop.broken"]["message"].get<std::string>().find("nope"), std::string::npos);
  EXPECT_EQ(by_id["model.shop.after_broken"]["status"], "skipped");
  EXPECT_EQ(by_id["test.shop.no_big_ids"]["status"], "fail");
  EXPECT_EQ(by_id["test.shop.no_big_ids"]["failures"], 3);
  EXPECT_EQ(by_id["test.shop.few_customers"]["status"], "warn");

  std::string sql = test::read_file(dir.path() / "target" / "run" / "model" / "shop" / "customers.sql");
  EXPECT_NE(sql.find("CREATE OR REPLACE TABLE \"main\".\"customers\""), std::string::npos) << sql;

  auto run = store.find_run(run_id);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "error");
  auto steps = store.steps_of(run_id);
  ASSERT_EQ(steps.size(), 6u);
  int skipped = 0;
  for (auto& s : steps) skipped += s.status == "skipped";
  EXPECT_EQ(skipped, 1);
  EXPECT_EQ(store.materializations_of("main.customers", 5).size(), 1u);
  EXPECT_EQ(store.checks_of_run(run_id).size(), 3u);
}

}  // namespace pond::dbt

namespace pond::dbt {

TEST(Invocation, RecordsRunsWritesArtifactsAndReturnsExitCodes) {
  test::TempDir dir;
  engine::Database db = engine::Database::open((dir.path() / "p.duckdb").string());
  InvocationOptions inv;
  inv.command = "build";
  inv.selection = "+customers";
  inv.state_path = dir.path() / ".pond" / "state.db";
  inv.target_dir = dir.path() / "target";
  inv.executor = {2, false};
  inv.progress = {false, false, false};
  std::ostringstream out;
  Project failing;
  exec::Executor* seen = nullptr;
  int calls = 0;
  InvocationResult r = run_invocation(&db, failing.steps, inv, out, [&](exec::Executor* e) {
    ++calls;
    if (e) seen = e;
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(calls, 2);
  EXPECT_NE(seen, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "target" / "run_results.json"));
  std::string sql = test::read_file(dir.path() / "target" / "run" / "model" / "shop" / "broken.sql");
  EXPECT_NE(sql.find("CREATE OR REPLACE VIEW \"main\".\"broken\""), std::string::npos) << sql;
  EXPECT_NE(out.str().find("Completed with 2 errors"), std::string::npos) << out.str();

  // Only the passing part of the project: exit code 0 (a warning does not fail the run).
  std::vector<exec::Step*> good = {failing.steps[0], failing.steps[4]};
  InvocationResult ok = run_invocation(&db, good, inv, out);
  EXPECT_EQ(ok.exit_code, 0);

  runstore::RunStore store = runstore::RunStore::open(inv.state_path);
  auto runs = store.recent_runs(5);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(store.find_run(r.run_id)->status, "error");
  EXPECT_EQ(store.find_run(ok.run_id)->status, "success");
  EXPECT_EQ(store.find_run(r.run_id)->selection, "+customers");
  EXPECT_EQ(store.steps_to_retry(r.run_id).size(), 3u);  // broken, after_broken, no_big_ids
}

}  // namespace pond::dbt

namespace pond::dbt {

TEST(Invocation, OnRunStartAndEndHooks) {
  test::TempDir dir;
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection(db).execute("create table main.audit (msg varchar)");
  InvocationOptions inv;
  inv.command = "run";
  inv.state_path = dir.path() / "state.db";
  inv.target_dir = dir.path() / "target";
  inv.progress = {false, false, false};
  Project p;
  std::vector<exec::Step*> models = {p.steps[0]};
  OperationStep start("operation.shop.shop-on-run-start-0", "insert into main.audit values ('start')", {});
  OperationStep end("operation.shop.shop-on-run-end-0",
                    "insert into main.audit select 'end ' || count(*) from main.customers", {});
  inv.on_run_start = {&start};
  inv.on_run_end = {&end};
  std::ostringstream out;
  InvocationResult r = run_invocation(&db, models, inv, out);
  EXPECT_EQ(r.exit_code, 0) << out.str();
  EXPECT_EQ(r.outcome.results.size(), 3u);
  EXPECT_EQ(r.outcome.results[1].info->id, "model.shop.customers");
  EXPECT_NE(out.str().find("OK hook: shop.shop-on-run-start-0"), std::string::npos) << out.str();
  engine::Connection con(db);
  EXPECT_EQ(con.query("select string_agg(msg, ',' order by rowid) from main.audit").rows_as_text()[0][0],
            "start,end 1200");

  // A failing start hook skips every step; the end hook still runs.
  OperationStep bad("operation.shop.shop-on-run-start-0", "select error('no')", {});
  inv.on_run_start = {&bad};
  r = run_invocation(&db, models, inv, out);
  EXPECT_EQ(r.exit_code, 1);
  ASSERT_EQ(r.outcome.results.size(), 3u);
  EXPECT_EQ(r.outcome.results[1].outcome.status, exec::Status::kSkipped);
  EXPECT_EQ(r.outcome.results[2].info->id, "operation.shop.shop-on-run-end-0");
  EXPECT_EQ(r.outcome.results[2].outcome.status, exec::Status::kSuccess);
}

}  // namespace pond::dbt
