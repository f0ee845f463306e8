// pond materialize / status on the example project (examples/shop): the command asset
// web_visits (upstream of dbt), the partitioned dbt model daily_visits and the command asset
// visits_export (downstream) in one run; pond.yml errors.
#include <nlohmann/json.hpp>

#include "e2e/mini_project.hpp"
#include "e2e/pond_runner.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {

namespace {

// Step keys of a run in start order.
std::vector<std::string> steps_of(const std::filesystem::path& root, const std::string& run_id) {
  auto store = runstore::RunStore::open(root / ".pond" / "state.db");
  std::vector<std::string> out;
  for (const auto& s : store.steps_of(run_id)) out.push_back(s.step_key);
  return out;
}

std::string last_run_id(const std::filesystem::path& root) {
  auto store = runstore::RunStore::open(root / ".pond" / "state.db");
  auto r = store.last_run({"materialize"});
  return r ? r->run_id : "";
}

std::size_t position(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

// pond.yml of the example with `text` appended under assets:.
void add_assets(const std::filesystem::path& root, const std::string& text) {
  std::string yml = read_file(root / "pond.yml");
  auto at = yml.find("\nmodels:");
  yml.insert(at, "\n" + text);
  write_file(root / "pond.yml", yml);
}

nlohmann::json status_json(const std::filesystem::path& root) {
  ProcessResult r = run_pond({"status", "-o", "json"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& row : nlohmann::json::parse(r.out)) out[row["asset"].get<std::string>()] = row;
  return out;
}

}  // namespace

TEST_F(PondTest, MaterializeRunsCommandAndDbtAssetsInOneDag) {
  auto root = init_lake_project();
  ProcessResult r = run_pond({"materialize", "--partition", "2026-04-01"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "OK created command asset web_visits")) << r.out;
  EXPECT_TRUE(contains(r.out, "sql incremental model main.daily_visits")) << r.out;
  EXPECT_TRUE(contains(r.out, "OK created command asset visits_export")) << r.out;
  // One run holds the dbt nodes and the command assets, in dependency order.
  auto steps = steps_of(root, last_run_id(root));
  std::size_t up = position(steps, "command.web_visits"), model = position(steps, "model.shop.daily_visits"),
              down = position(steps, "command.visits_export");
  ASSERT_LT(down, steps.size()) << r.out;
  EXPECT_LT(up, model);
  EXPECT_LT(model, down);
  EXPECT_LT(position(steps, "model.shop.daily_revenue"), down);
  // The command's CSV is a lake table holding that day only; the export read the dbt model.
  std::string visits = query_value(root, "select count(*) from raw.web_visits");
  EXPECT_EQ(
      query_value(root, "select count(distinct visit_date) || ' ' || min(visit_date) from raw.web_visits"),
      "1 2026-04-01");
  EXPECT_EQ(query_value(root, "select visits from main.daily_visits where visit_date = date '2026-04-01'"),
            visits);
  std::string exported = read_file(root / "exports" / "visits_2026-04-01.csv");
  EXPECT_TRUE(contains(exported, "2026-04-01," + visits + ",")) << exported;
  // run_results.json is the dbt part's.
  auto results = result_statuses(root);
  EXPECT_EQ(results["model.shop.daily_visits"], "success");
  EXPECT_FALSE(results.count("command.web_visits"));

  // The same partition again replaces its rows; another day adds its own.
  ASSERT_EQ(run_pond({"materialize", "--partition", "2026-04-01"}, root).exit_code, 0);
  EXPECT_EQ(query_value(root, "select count(*) from raw.web_visits"), visits);
  r = run_pond({"materialize", "-s", "web_visits+", "--partition", "2026-04-02"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "main.customers")) << r.out;  // not selected
  EXPECT_EQ(query_value(root, "select count(*) from main.daily_visits"), "2");

  auto st = status_json(root);
  EXPECT_EQ(st["web_visits"]["kind"], "command");
  EXPECT_TRUE(contains(st["web_visits"]["partitions"].get<std::string>(), "2/")) << st.dump();
  EXPECT_TRUE(contains(st["web_visits"]["why"].get<std::string>(), "partitions missing")) << st.dump();
  EXPECT_EQ(st["customers"]["status"], "fresh") << st.dump();
  EXPECT_EQ(st["raw_orders"]["kind"], "dbt seed");

  // A code change makes the asset stale; a newer upstream makes its downstream stale.
  write_file(root / "scripts" / "fetch_visits.py",
             read_file(root / "scripts" / "fetch_visits.py") + "\n# changed\n");
  st = status_json(root);
  EXPECT_TRUE(contains(st["web_visits"]["why"].get<std::string>(), "code changed (2 partitions)"))
      << st.dump();
  ASSERT_EQ(run_pond({"materialize", "-s", "raw_orders"}, root).exit_code, 0);
  st = status_json(root);
  EXPECT_EQ(st["stg_orders"]["status"], "stale") << st.dump();
  EXPECT_TRUE(contains(st["stg_orders"]["why"].get<std::string>(), "upstream raw_orders materialized since"))
      << st.dump();
}

// A run of command assets only never loads DuckDB (launch latency: loading libduckdb.so alone
// costs ~20 ms); a dbt model in the run does.
TEST_F(PondTest, CommandOnlyRunsDoNotLoadDuckDB) {
  auto root = init_lake_project();
  add_assets(root, "  trivial: {run: 'true'}\n");
  ProcessOptions traced;
  traced.env.emplace("LD_DEBUG", "files");
  ProcessResult r = run_pond({"materialize", "-s", "trivial"}, root, traced);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "OK created command asset trivial")) << r.out;
  EXPECT_TRUE(contains(r.err, "libcurl")) << "LD_DEBUG did not trace the loader";
  EXPECT_FALSE(contains(r.err, "libduckdb")) << r.err.substr(0, 4000);
  r = run_pond({"--version"}, root, traced);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "libduckdb.so")) << "--version names the library it loads";
}

TEST_F(PondTest, MaterializeWithoutAPartitionTakesTheLatestAndBuildStaysDbt) {
  auto root = init_lake_project();
  // pond build runs the dbt models that read seeds (selectors.yml's default), as before.
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "daily_visits")) << r.out;
  r = run_pond({"materialize", "-s", "web_visits"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "at daily ")) << r.out;
  EXPECT_EQ(query_value(root, "select count(distinct visit_date) from raw.web_visits"), "1");
  EXPECT_EQ(query_value(root, "select max(visit_date) = current_date - 1 from raw.web_visits"), "true");
}

TEST_F(PondTest, FailingCommandAssetsCommitNothingAndSkipDownstream) {
  auto root = init_lake_project();
  ProcessOptions fail;
  fail.env["WEB_VISITS_FAIL_ON"] = "2026-04-03";
  add_assets(root, "  slow:\n    run: sleep 5\n    timeout: 300ms\n");
  ProcessResult r = run_pond({"materialize", "-s", "web_visits+", "--partition", "2026-04-03"}, root, fail);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // The retries (2, in pond.yml) ran and the tail of stderr is in the error.
  EXPECT_TRUE(contains(r.out, "exited with code 3")) << r.out;
  EXPECT_TRUE(contains(r.out, "the web analytics API refused 2026-04-03")) << r.out;
  EXPECT_TRUE(contains(r.out, "SKIP")) << r.out;
  r = run_pond({"lake", "tables", "-o", "csv"}, root);
  EXPECT_FALSE(contains(r.out, "raw.web_visits")) << r.out;
  EXPECT_FALSE(contains(r.out, "main.daily_visits")) << r.out;
  auto store = runstore::RunStore::open(root / ".pond" / "state.db");
  int retries = 0;
  for (const auto& e : store.events_of(last_run_id(root))) retries += e.kind == "retry";
  EXPECT_EQ(retries, 2);

  r = run_pond({"materialize", "-s", "slow"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "timed out after 0.3s")) << r.out;
  EXPECT_LT(r.elapsed, std::chrono::milliseconds(4000));
}

TEST_F(PondTest, CommandOutputLinesAreRunEventsAndPipesReportChecks) {
  auto root = init_lake_project();
  add_assets(
      root,
      "  notes:\n    run: |\n      echo hello from notes\n      echo a warning >&2\n"
      "      echo '{\"metadata\": {\"n\": 3}}' >> \"$POND_PIPES\"\n"
      "      echo '{\"check\": \"positive\", \"passed\": false, \"message\": \"n < 0\"}' >> \"$POND_PIPES\"\n"
      "    checks: [{name: positive, blocking: true}]\n"
      "  after_notes: {run: 'true', deps: [notes]}\n");
  ProcessResult r = run_pond({"materialize", "-s", "notes+"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "blocking check positive of notes fail")) << r.out;
  auto store = runstore::RunStore::open(root / ".pond" / "state.db");
  std::string id = last_run_id(root);
  bool out_line = false, err_line = false;
  for (const auto& e : store.events_of(id)) {
    out_line |= e.kind == "stdout" && e.message == "hello from notes";
    err_line |= e.kind == "stderr" && e.message == "a warning";
  }
  EXPECT_TRUE(out_line && err_line);
  auto checks = store.checks_of_run(id);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].status, "fail");
  EXPECT_EQ(checks[0].message, "n < 0");
  auto mats = store.materializations_of("notes", 1);
  ASSERT_EQ(mats.size(), 1u);
  EXPECT_TRUE(contains(mats[0].metadata_json, "\"n\":3")) << mats[0].metadata_json;
  for (const auto& s : store.steps_of(id))
    if (s.step_key == "command.after_notes") {
      EXPECT_EQ(s.status, "skipped");
    }
}

TEST_F(PondTest, PondYmlErrorsNameTheLine) {
  auto root = init_lake_project();
  const std::string original = read_file(root / "pond.yml");
  auto expect_error = [&](const std::string& yml, int code, std::vector<std::string> parts) {
    write_file(root / "pond.yml", yml);
    ProcessResult r = run_pond({"materialize"}, root);
    EXPECT_EQ(r.exit_code, code) << yml << "\n" << r.out << r.err;
    for (const auto& p : parts) EXPECT_TRUE(contains(r.err, p)) << p << "\n" << r.err;
  };
  expect_error("assets:\n  a: {run: 'true', deps: [daily_revenu]}\n", 2,
               {"pond.yml:2:27", "'daily_revenu', which is no asset", "did you mean 'daily_revenue'?"});
  expect_error("assets:\n  a: {run: 'true', deps: [b]}\n  b: {run: 'true', deps: [a]}\n", 2,
               {"pond.yml:", "cycle: "});
  {
    ProcessResult c = run_pond({"status"}, root);
    EXPECT_TRUE(contains(c.err, "a -> b -> a") || contains(c.err, "b -> a -> b")) << c.err;
  }
  expect_error("partitions:\n  p: {type: cron, cron: '0 24 * * *', start: 2024-01-01}\n", 2,
               {"pond.yml:2:6", "24 is out of range 0-23"});
  expect_error("partitions:\n  p: {type: daily, start: 2024-01-01, timezone: Mars/Olympus}\n", 2,
               {"pond.yml:2:6", "unknown time zone 'Mars/Olympus'"});
  expect_error("assets:\n  a: {run: no-such-program --x}\n", 2,
               {"pond.yml:2:12", "command 'no-such-program' not found"});
  expect_error("assets:\n  a: {run: 'true', deps: [stg_orders]}\nmodels:\n  - {select: 'tag:nothing'}\n", 2,
               {"pond.yml:4:5", "selects no dbt model"});
  // A dbt model reading a command asset that reads the model back.
  write_file(
      root / "pond.yml",
      "assets:\n  web_visits:\n    run: 'true'\n    produces: raw.web_visits\n    deps: [daily_visits]\n");
  ProcessResult r = run_pond({"status"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "web_visits -> daily_visits -> web_visits") ||
              contains(r.err, "daily_visits -> web_visits -> daily_visits"))
      << r.err;
  write_file(root / "pond.yml", original);
  r = run_pond({"materialize", "-s", "web_visits", "--partition", "2025-01-01"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "before its start (2026-03-01)")) << r.err;
  r = run_pond({"materialize", "-s", "web_visits", "--partition", "2999-01-01"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "has not ended yet")) << r.err;
}

}  // namespace pond::test
