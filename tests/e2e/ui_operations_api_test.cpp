// The operations endpoints of `pond ui` against the real binary: re-execute and re-run, backfills
// (plan, launch, progress, cancel), schedules and sensors (ticks, on/off as the CLI keeps it),
// the lake (tables, snapshots, a table at a snapshot) and what the asset page gets from it.
// Outcomes are checked against the CLI where it has the same view.
#include <fstream>

#include "ui_api_fixture.hpp"

namespace pond::test {
namespace {

class UiOperationsApiTest : public UiApiTest {
 protected:
  // Restarts `pond ui` after changing pond.yml (the UI loads the project once).
  void restart_with(const std::function<void(std::string&)>& edit) {
    server_->stop();
    std::string text;
    {
      std::ifstream in(root_ / "pond.yml");
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    edit(text);
    std::ofstream(root_ / "pond.yml") << text;
    start({"ui", "--port", "0"});
  }
  json wait_for_backfill(const std::string& id) {
    json b;
    for (int i = 0; i < 300; ++i) {
      b = get_json("/api/backfills/" + id);
      if (b.value("status", "") != "running") return b;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "backfill " << id << " did not finish: " << b.dump();
    return b;
  }
  json backfill_body(const std::string& from, const std::string& to) {
    return {{"select", "web_visits"}, {"from", from}, {"to", to}};
  }
};

TEST_F(UiOperationsApiTest, ReexecuteFailedStepsAndRerun) {
  restart_with([](std::string& yml) {
    yml.replace(yml.find("assets:\n"), 8,
                "assets:\n  flaky:\n    run: test -f ok\n    tags: [\"q\\\"uote\\\\back\\tslash\"]\n");
  });
  // The graph answer is written by hand (graph_json.cpp): what needs escaping comes back intact.
  json graph = get_json("/api/graph");
  bool tagged = false;
  for (const auto& a : graph["assets"])
    if (a["name"] == "flaky") tagged = a["tags"] == json::array({"q\"uote\\back\tslash"});
  EXPECT_TRUE(tagged) << graph.dump().substr(0, 2000);
  std::string failed = post_json("/api/materialize", R"({"select": "flaky"})", 202)["run_id"];
  json run = wait_for_run(failed);
  EXPECT_EQ(run["status"], "error");
  EXPECT_EQ(run["actions"]["reexecute_failed"], true);
  EXPECT_EQ(run["actions"]["rerun"], true);

  std::ofstream(root_ / "ok").put('\n');
  json again = post_json("/api/runs/" + failed.substr(0, 8) + "/reexecute", R"({"failed_only": true})", 202);
  EXPECT_EQ(again["parent_run_id"], failed);
  json child = wait_for_run(again["run_id"]);
  EXPECT_EQ(child["status"], "success") << child.dump();
  EXPECT_EQ(child["parent_run_id"], failed);
  EXPECT_EQ(child["trigger"], "reexecute");
  ASSERT_EQ(child["steps"].size(), 1u);
  EXPECT_EQ(child["steps"][0]["step_key"], "command.flaky");
  EXPECT_EQ(child["actions"]["reexecute_failed"], false);
  EXPECT_EQ(child["actions"]["rerun"], true);
  // The CLI sees the re-execution as a run of its own, retrying the first.
  ProcessResult shown = run_pond({"runs", "show", child["run_id"]}, root_);
  EXPECT_TRUE(contains(shown.out, "retry of: " + failed)) << shown.out;

  // Nothing failed in the re-execution: only a whole re-run applies.
  json none = post_json("/api/runs/" + child["run_id"].get<std::string>() + "/reexecute",
                        R"({"failed_only": true})", 409);
  EXPECT_TRUE(contains(none["error"], "nothing to re-execute"));
  json rerun = post_json("/api/runs/" + child["run_id"].get<std::string>() + "/reexecute", "{}", 202);
  EXPECT_EQ(wait_for_run(rerun["run_id"])["status"], "success");

  post_json("/api/runs/nope/reexecute", "{}", 404);
  EXPECT_TRUE(
      contains(post_json("/api/runs/" + failed + "/reexecute", R"({"failed_only": "yes"})", 400)["error"],
               "'failed_only' must be true or false"));
  EXPECT_TRUE(contains(post_json("/api/runs/" + failed + "/reexecute", R"({"only": true})", 400)["error"],
                       "unknown field 'only'"));
  // A dbt command's run is not a run of assets: the CLI's error, as a 400.
  ASSERT_EQ(run_pond({"seed", "-s", "raw_orders"}, root_).exit_code, 0);
  json runs = get_json("/api/runs?limit=1");
  std::string seed = runs["runs"][0]["run_id"];
  EXPECT_EQ(get_json("/api/runs/" + seed)["actions"]["rerun"], false);
  EXPECT_TRUE(
      contains(post_json("/api/runs/" + seed + "/reexecute", "{}", 400)["error"], "is not a run of assets"));
}

TEST_F(UiOperationsApiTest, BackfillPlanLaunchProgressAndErrors) {
  json plan = post_json("/api/backfills/plan", backfill_body("2026-03-02", "2026-03-04").dump(), 200);
  EXPECT_EQ(plan["run_count"], 3);
  EXPECT_EQ(plan["definition"], "daily");
  EXPECT_EQ(plan["runs"][0]["scope"], "2026-03-02");
  // The CLI's dry run plans the same.
  ProcessResult dry = run_pond(
      {"backfill", "-s", "web_visits", "--from", "2026-03-02", "--to", "2026-03-04", "--dry-run"}, root_);
  EXPECT_TRUE(contains(dry.out, ": 3 runs")) << dry.out;
  // A stretch of the health bar (indexes 1..3) plans the same range.
  json picked = post_json(
      "/api/backfills/plan",
      R"({"select": "web_visits", "partition_range": {"from": 1, "to": 3}, "policy": "batch:2"})", 200);
  EXPECT_EQ(picked["from"], "2026-03-02");
  EXPECT_EQ(picked["to"], "2026-03-04");
  EXPECT_EQ(picked["run_count"], 2);

  std::string id =
      post_json("/api/backfills", backfill_body("2026-03-02", "2026-03-04").dump(), 202)["backfill_id"];
  json b = wait_for_backfill(id);
  EXPECT_EQ(b["status"], "success") << b.dump();
  EXPECT_EQ(b["counts"]["done"], 3);
  EXPECT_EQ(b["counts"]["missing"], 0);
  EXPECT_EQ(b["runs_done"], 3);
  ASSERT_EQ(b["planned_runs"].size(), 3u);
  EXPECT_EQ(b["planned_runs"][2]["status"], "success");
  EXPECT_EQ(
      get_json("/api/runs/" + b["planned_runs"][0]["run_id"].get<std::string>())["tags"]["pond/backfill"],
      id);
  ASSERT_EQ(b["progress"]["rows"][0]["stretches"].size(), 1u);
  EXPECT_EQ(b["progress"]["count"], 3);
  EXPECT_EQ(b["progress"]["rows"][0]["stretches"][0]["to"], 3);
  EXPECT_EQ(b["progress"]["rows"][0]["stretches"][0]["status"], "materialized");
  EXPECT_EQ(get_json("/api/backfills/" + id.substr(0, 8))["backfill_id"], id);
  json list = get_json("/api/backfills");
  EXPECT_EQ(list["backfills"][0]["backfill_id"], id);
  ProcessResult cli = run_pond({"backfills", "-o", "json"}, root_);
  EXPECT_TRUE(contains(cli.out, id) && contains(cli.out, "3/3")) << cli.out;
  // The partitions are materialized: the asset's health says so.
  EXPECT_EQ(get_json("/api/assets/web_visits")["status"]["partitions"]["materialized"], 3);
  EXPECT_TRUE(
      contains(post_json("/api/backfills/" + id + "/cancel", "{}", 200)["message"], "is not running"));

  // Nothing is missing in that range any more.
  EXPECT_TRUE(
      contains(post_json("/api/backfills", backfill_body("2026-03-02", "2026-03-04").dump(), 409)["error"],
               "nothing to backfill"));
  post_json("/api/backfills", R"({"select": "web_visits", "from": "2026-03-02"})", 400);
  post_json("/api/backfills/plan", R"({"select": "web_visits", "from": "x", "to": "2026-03-04"})", 400);
  EXPECT_TRUE(contains(
      post_json("/api/backfills/plan", R"({"select": "customers", "from": "2026-03-02", "to": "2026-03-03"})",
                400)["error"],
      "without partitions"));
  post_json("/api/backfills/plan",
            R"({"select": "web_visits", "from": "2026-03-02", "to": "2026-03-03", "mode": "some"})", 400);
  post_json("/api/backfills/plan",
            R"({"select": "web_visits", "from": "2026-03-02", "to": "2026-03-03", "policy": "batch:0"})",
            400);
  post_json("/api/backfills/plan", R"({"select": "web_visits", "partition_range": {"from": 3, "to": 1}})",
            400);
  post_json("/api/backfills/plan", R"({"select": "web_visits", "to": "2026-03-03", "bogus": 1})", 400);
  get_json("/api/backfills/nope", 404);
  post_json("/api/backfills/nope/cancel", "{}", 404);
}

TEST_F(UiOperationsApiTest, BackfillCancelledWhileHeldThenResumed) {
  // Held by a run queue limit of 0 on backfill runs: the backfill waits at its first run.
  const std::string hold = "\nrun_queue:\n  tag_concurrency_limits: [{key: pond/backfill, limit: 0}]\n";
  restart_with([&](std::string& yml) { yml += hold; });
  std::string id =
      post_json("/api/backfills", backfill_body("2026-03-02", "2026-03-03").dump(), 202)["backfill_id"];
  json b;
  for (int i = 0; i < 100; ++i) {
    b = get_json("/api/backfills/" + id);
    if (b["counts"]["in_progress"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(b["status"], "running");
  EXPECT_EQ(b["counts"]["in_progress"], 1) << b.dump();
  EXPECT_EQ(b["progress"]["rows"][0]["stretches"][0]["status"], "running");
  EXPECT_TRUE(
      contains(post_json("/api/backfills/" + id + "/resume", "{}", 409)["error"], "running in this server"));
  post_json("/api/backfills/" + id + "/cancel", "{}", 200);
  EXPECT_EQ(wait_for_backfill(id)["status"], "cancelled");

  restart_with([&](std::string& yml) { yml.erase(yml.find(hold)); });
  EXPECT_EQ(post_json("/api/backfills/" + id.substr(0, 8) + "/resume", "{}", 202)["backfill_id"], id);
  b = wait_for_backfill(id);
  EXPECT_EQ(b["status"], "success") << b.dump();
  EXPECT_EQ(b["counts"]["done"], 2);
  EXPECT_TRUE(
      contains(post_json("/api/backfills/" + id + "/resume", "{}", 409)["error"], "already succeeded"));
  post_json("/api/backfills/nope/resume", "{}", 404);
}

TEST_F(UiOperationsApiTest, SchedulesAndSensorsTicksAndOnOff) {
  restart_with([](std::string& yml) {
    yml +=
        "\nschedules:\n  hourly_orders:\n    cron: \"0 * * * *\"\n    select: [raw_orders]\n"
        "sensors:\n  after_orders:\n    type: asset\n    asset: raw_orders\n    select: [stg_orders]\n";
  });
  json a = get_json("/api/automation");
  ASSERT_EQ(a["schedules"].size(), 1u);
  EXPECT_TRUE(a["schedules"][0]["ticks"].empty());
  EXPECT_TRUE(a["daemon"].is_null());
  ASSERT_EQ(
      run_pond({"daemon", "--simulate-from", "2026-03-28T00:00", "--simulate-until", "2026-03-28T02:30"},
               root_)
          .exit_code,
      0);
  a = get_json("/api/automation?ticks=5");
  const json& s = a["schedules"][0];
  EXPECT_EQ(s["name"], "hourly_orders");
  EXPECT_EQ(s["enabled"], true);
  EXPECT_TRUE(s["override"].is_null());
  EXPECT_TRUE(s["next_tick"].is_string());
  ASSERT_EQ(s["ticks"].size(), 2u);
  EXPECT_EQ(s["ticks"][0]["tick"], "2026-03-28T02:00Z");
  EXPECT_EQ(s["ticks"][0]["status"], "submitted");
  EXPECT_EQ(s["ticks"][0]["run_ids"].size(), 1u);
  const json& sensor = a["sensors"][0];
  EXPECT_EQ(sensor["name"], "after_orders");
  ASSERT_FALSE(sensor["ticks"].empty());
  EXPECT_TRUE(contains(sensor["ticks"][0]["reason"], "raw_orders materialized")) << sensor.dump();

  EXPECT_EQ(post_json("/api/schedules/hourly_orders/off", "{}", 200)["enabled"], false);
  EXPECT_EQ(json::parse(run_pond({"schedules", "-o", "json"}, root_).out)[0]["enabled"], "off");
  a = get_json("/api/automation");
  EXPECT_EQ(a["schedules"][0]["enabled"], false);
  EXPECT_EQ(a["schedules"][0]["override"], false);
  EXPECT_TRUE(a["schedules"][0]["next_tick"].is_null());
  json overview = get_json("/api/overview");
  EXPECT_EQ(overview["schedules"][0]["enabled"], false);
  EXPECT_TRUE(overview["schedules"][0]["next"].is_null());
  // What the CLI turns on, the page shows on.
  ASSERT_EQ(run_pond({"schedules", "on", "hourly_orders"}, root_).exit_code, 0);
  EXPECT_EQ(get_json("/api/automation")["schedules"][0]["enabled"], true);
  EXPECT_EQ(post_json("/api/sensors/after_orders/off", "{}", 200)["enabled"], false);
  EXPECT_EQ(json::parse(run_pond({"sensors", "-o", "json"}, root_).out)[0]["enabled"], "off");

  json unknown = post_json("/api/schedules/hourly_order/on", "{}", 404);
  EXPECT_TRUE(contains(unknown["hint"], "hourly_orders"));
  post_json("/api/sensors/nope/on", "{}", 404);
  post_json("/api/schedules/hourly_orders/maybe", "{}", 404);
  get_json("/api/automation?ticks=x", 400);
  EXPECT_EQ(get_json("/api/automation?ticks=99999999999")["schedules"][0]["ticks"].size(), 2u);
}

TEST_F(UiOperationsApiTest, LakeTablesSnapshotsTimeTravelAndAssetColumns) {
  json empty = get_json("/api/lake");
  EXPECT_TRUE(empty["lake"].is_null());
  EXPECT_TRUE(contains(empty["error"], "does not exist")) << empty.dump();

  std::string id =
      post_json("/api/backfills", backfill_body("2026-03-01", "2026-03-02").dump(), 202)["backfill_id"];
  ASSERT_EQ(wait_for_backfill(id)["status"], "success");
  json lake = get_json("/api/lake");
  ASSERT_TRUE(lake["lake"].is_object()) << lake.dump();
  json table;
  for (const auto& t : lake["tables"])
    if (t["name"] == "raw.web_visits") table = t;
  ASSERT_TRUE(table.is_object()) << lake.dump();
  EXPECT_EQ(table["asset"], "web_visits");
  std::int64_t created = table["created_snapshot"], latest = lake["lake"]["latest_snapshot"];
  EXPECT_LT(created, latest);
  EXPECT_EQ(lake["snapshots"][0]["id"], latest);
  ProcessResult snaps = run_pond({"lake", "snapshots", "-o", "json"}, root_);
  EXPECT_EQ(json::parse(snaps.out).size(), lake["snapshots"].size()) << snaps.out;

  json now = get_json("/api/lake/tables/raw.web_visits?limit=5");
  json then = get_json("/api/lake/tables/raw.web_visits?snapshot=" + std::to_string(created) + "&limit=1000");
  EXPECT_EQ(now["snapshot"], latest);
  EXPECT_EQ(now["rows"].size(), 5u);
  EXPECT_GT(now["row_count"].get<int>(), then["row_count"].get<int>());
  EXPECT_EQ(then["rows"].size(), then["row_count"].get<std::size_t>());
  int date_col = -1;
  for (std::size_t c = 0; c < then["columns"].size(); ++c)
    if (then["columns"][c]["name"] == "visit_date") date_col = static_cast<int>(c);
  ASSERT_GE(date_col, 0);
  EXPECT_EQ(then["columns"][static_cast<std::size_t>(date_col)]["type"], "date");
  for (const auto& row : then["rows"]) EXPECT_EQ(row[static_cast<std::size_t>(date_col)], "2026-03-01");
  // The table did not exist before the snapshot that created it.
  if (created > 1) get_json("/api/lake/tables/raw.web_visits?snapshot=" + std::to_string(created - 1), 404);
  get_json("/api/lake/tables/raw.nope", 404);
  get_json("/api/lake?snapshot=99999", 404);
  get_json("/api/lake?snapshot=abc", 400);

  json asset = get_json("/api/assets/web_visits");
  ASSERT_TRUE(asset["lake_columns"].is_array()) << asset.dump();
  EXPECT_TRUE(has_name(asset["lake_columns"], "visit_date"));
  EXPECT_EQ(asset["check_history"].size(), 2u);
  EXPECT_EQ(asset["check_history"][0]["name"], "has_visits");
  EXPECT_TRUE(asset["automation_evaluations"].is_array());
}

}  // namespace
}  // namespace pond::test
