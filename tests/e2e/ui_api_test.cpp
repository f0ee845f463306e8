// `pond ui`'s JSON API against the real binary: every endpoint, the errors (4xx with a JSON
// body, the server keeps serving), live events, actions through the run queue, access control.
#include <atomic>

#include "ui_api_fixture.hpp"

namespace pond::test {
namespace {

TEST_F(UiApiTest, InfoGraphAndSelection) {
  json info = get_json("/api/info");
  EXPECT_EQ(info["project"], "shop");
  EXPECT_EQ(info["mode"], "ui");

  json g = get_json("/api/graph");
  ASSERT_TRUE(g["assets"].is_array());
  std::map<std::string, int> id;
  for (const auto& a : g["assets"]) id[a["name"]] = a["id"];
  for (const char* n : {"raw_orders", "stg_orders", "orders", "customers", "web_visits", "visits_export"})
    EXPECT_TRUE(id.count(n)) << n;
  bool edge = false;
  for (const auto& e : g["edges"]) edge = edge || (e[0] == id["stg_orders"] && e[1] == id["orders"]);
  EXPECT_TRUE(edge);
  const auto& web = g["assets"][static_cast<std::size_t>(id["web_visits"])];
  EXPECT_EQ(web["kind"], "command");
  EXPECT_EQ(web["group"], "web");
  EXPECT_EQ(web["status"]["partitions"]["definition"], "daily");
  EXPECT_GT(web["status"]["partitions"]["missing"].get<int>(), 0);

  json sel = get_json("/api/select?select=%2Bcustomers");
  EXPECT_TRUE(has_name(sel["names"], "raw_customers"));
  EXPECT_TRUE(has_name(sel["names"], "customers"));
  EXPECT_FALSE(has_name(sel["names"], "orders"));
  sel = get_json("/api/select?select=stg_orders%2B&exclude=orders_snapshot");
  EXPECT_TRUE(has_name(sel["names"], "orders"));
  EXPECT_FALSE(has_name(sel["names"], "orders_snapshot"));

  json bad = get_json("/api/select?select=nosuchmethod:x", 400);
  EXPECT_TRUE(bad["error"].is_string());
}

TEST_F(UiApiTest, AssetAndOverview) {
  json a = get_json("/api/assets/customers");
  EXPECT_EQ(a["kind"], "dbt model");
  EXPECT_FALSE(a["description"].get<std::string>().empty());
  EXPECT_TRUE(has_name(a["columns"], "customer_id"));
  EXPECT_TRUE(has_name(a["parents"], "stg_orders"));
  EXPECT_TRUE(a["raw_sql"].is_string());
  EXPECT_EQ(a["status"]["state"], "missing");
  EXPECT_TRUE(a["partition_health"].is_null());

  json p = get_json("/api/assets/web_visits");
  ASSERT_TRUE(p["partition_health"].is_object());
  EXPECT_EQ(p["partition_health"]["definition"], "daily");
  EXPECT_EQ(p["partition_health"]["first_key"], "2026-03-01");

  json missing = get_json("/api/assets/custmers", 404);
  EXPECT_TRUE(contains(missing["error"], "no asset 'custmers'"));
  EXPECT_TRUE(contains(missing["hint"], "customers"));

  json o = get_json("/api/overview");
  EXPECT_TRUE(o["active_runs"].is_array());
  EXPECT_GT(o["asset_counts"]["missing"].get<int>(), 0);
  EXPECT_TRUE(o["schedules"].is_array());
}

TEST_F(UiApiTest, MaterializeRunsListCancelAndLiveEvents) {
  // Live events: a stream open before the run sees it.
  std::atomic<bool> saw_runs{false}, saw_event{false};
  httplib::Client stream_client("127.0.0.1", port_);
  stream_client.set_read_timeout(60, 0);
  std::thread stream([&] {
    stream_client.Get("/api/events", [&](const char* data, std::size_t n) {
      std::string s(data, n);
      if (contains(s, "event: runs")) saw_runs = true;
      if (contains(s, "event: event")) saw_event = true;
      return !(saw_runs && saw_event);
    });
  });

  json queued = post_json("/api/materialize", R"({"select": "+customers"})", 202);
  std::string id = queued["run_id"];
  ASSERT_FALSE(id.empty());
  json run = wait_for_run(id);
  EXPECT_EQ(run["status"], "success") << run.dump();
  EXPECT_EQ(run["trigger"], "ui");
  EXPECT_EQ(run["command"], "materialize");
  EXPECT_GE(run["steps"].size(), 4u);
  EXPECT_FALSE(run["events"].empty());

  for (int i = 0; i < 100 && !(saw_runs && saw_event); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(saw_runs);
  EXPECT_TRUE(saw_event);
  stream_client.stop();
  stream.join();

  json a = get_json("/api/assets/customers");
  EXPECT_EQ(a["status"]["state"], "fresh");
  EXPECT_FALSE(a["materializations"].empty());
  EXPECT_EQ(a["materializations"][0]["run_id"], id);
  EXPECT_TRUE(a["compiled_sql"].is_string()) << "the run compiled customers";

  auto listed = [&](const std::string& query) {
    json runs = get_json("/api/runs" + query);
    for (const auto& r : runs["runs"])
      if (r["run_id"] == id) return true;
    return false;
  };
  EXPECT_TRUE(listed(""));
  EXPECT_TRUE(listed("?status=success"));
  EXPECT_FALSE(listed("?status=error"));
  EXPECT_TRUE(listed("?asset=customers"));
  EXPECT_FALSE(listed("?asset=web_visits"));
  EXPECT_TRUE(listed("?since=2000-01-01"));
  EXPECT_FALSE(listed("?since=2999-01-01"));
  EXPECT_FALSE(listed("?tag=team"));
  get_json("/api/runs?asset=nope", 404);
  get_json("/api/runs?limit=abc", 400);

  EXPECT_EQ(get_json("/api/runs/" + id.substr(0, 8))["run_id"], id);
  get_json("/api/runs/00000000-0000", 404);
  json c = post_json("/api/runs/" + id + "/cancel", "", 200);
  EXPECT_EQ(c["outcome"], "not running");
  post_json("/api/runs/nope/cancel", "", 404);

  // A partition picked on the health bar: the second day of web_visits.
  json pr =
      post_json("/api/materialize",
                R"({"select": "web_visits", "partition_range": {"list_key": "", "from": 1, "to": 1}})", 202);
  json prun = wait_for_run(pr["run_id"]);
  EXPECT_EQ(prun["status"], "success") << prun.dump();
  json web = get_json("/api/assets/web_visits");
  EXPECT_EQ(web["status"]["partitions"]["materialized"], 1);
  ASSERT_FALSE(web["partition_health"]["rows"][0]["stretches"].empty());
  EXPECT_EQ(web["partition_health"]["rows"][0]["stretches"][0]["from"], 1);
  EXPECT_EQ(web["partition_health"]["rows"][0]["stretches"][0]["to"], 2);
  EXPECT_EQ(web["partition_health"]["rows"][0]["stretches"][0]["status"], "materialized");
}

TEST_F(UiApiTest, CancelAQueuedRun) {
  // Held in the queue by a tag limit of 0 (pond.yml): nothing starts it; cancel takes it off.
  server_->stop();
  {
    std::ofstream yml(root_ / "pond.yml", std::ios::app);
    yml << "\nrun_queue:\n  tag_concurrency_limits: [{key: hold, limit: 0}]\n";
  }
  start({"ui", "--port", "0"});
  json q = post_json("/api/materialize", R"({"select": "raw_orders", "tags": {"hold": "yes"}})", 202);
  std::string id = q["run_id"];
  EXPECT_EQ(get_json("/api/runs/" + id)["status"], "queued");
  EXPECT_EQ(get_json("/api/runs/" + id)["tags"]["hold"], "yes");
  bool listed = false;
  json runs = get_json("/api/runs?tag=hold%3Dyes");
  for (const auto& r : runs["runs"]) listed = listed || r["run_id"] == id;
  EXPECT_TRUE(listed);
  json c = post_json("/api/runs/" + id + "/cancel", "", 200);
  EXPECT_EQ(c["outcome"], "cancelled");
  EXPECT_EQ(get_json("/api/runs/" + id)["status"], "cancelled");
}

TEST_F(UiApiTest, BadRequestsGetJsonErrorsAndTheServerKeepsServing) {
  json e = post_json("/api/materialize", "{not json", 400);
  EXPECT_TRUE(contains(e["error"], "malformed request body"));
  e = post_json("/api/materialize", "[1,2]", 400);
  e = post_json("/api/materialize", R"({"select": 5})", 400);
  EXPECT_TRUE(contains(e["error"], "'select'"));
  e = post_json("/api/materialize", R"({"bogus": true})", 400);
  EXPECT_TRUE(contains(e["error"], "unknown field 'bogus'"));
  e = post_json("/api/materialize", R"({"select": "nosuchmodel"})", 400);
  EXPECT_TRUE(e["error"].is_string());
  e = post_json("/api/materialize", R"({"select": "web_visits", "partition": "1999-01-01"})", 400);
  EXPECT_TRUE(e["error"].is_string());
  e = post_json("/api/materialize", R"({"select": "customers", "partition_range": {"from": 0, "to": 1}})",
                400);
  e = post_json("/api/materialize", R"({"select": "web_visits", "partition_range": {"from": 5, "to": 1}})",
                400);
  e = post_json("/api/materialize", R"({"select": "web_visits", "partition_range": "x"})", 400);
  e = post_json("/api/materialize", R"({"select": "customers", "full_refresh": "yes"})", 400);
  e = post_json("/api/materialize", R"({"select":"customers"})", 415, "text/plain");

  // Another site's page cannot post (Origin) or read through a rebound name (Host).
  httplib::Headers evil_origin{{"Origin", "http://evil.example"}};
  auto r = client_->Post("/api/materialize", evil_origin, R"({"select":"customers"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  httplib::Headers evil_host{{"Host", "evil.example:3000"}};
  r = client_->Get("/api/info", evil_host);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);

  json nf = get_json("/api/nope", 404);
  EXPECT_TRUE(nf["error"].is_string());
  // Page URLs are the front end's: index.html.
  r = client_->Get("/runs/anything");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(contains(r->get_header_value("Content-Type"), "text/html"));
  EXPECT_TRUE(contains(r->body, "<div id=\"app\">"));
  r = client_->Get("/static/app.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(contains(r->get_header_value("Content-Type"), "javascript"));

  EXPECT_EQ(get_json("/api/info")["project"], "shop");
  EXPECT_EQ(server_->stop(), 0) << server_->output();
}

TEST_F(UiApiTest, NonLoopbackNeedsTheToken) {
  server_->stop();
  start({"ui", "--host", "0.0.0.0", "--port", "0"});
  std::smatch m;
  std::string out = server_->output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(\?token=([0-9a-f]{48}))"))) << out;
  std::string token = m[1];
  auto r = client_->Get("/api/info");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(contains(r->body, "access token"));
  r = client_->Get("/api/info", httplib::Headers{{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(r->status, 401);
  r = client_->Get("/api/info", httplib::Headers{{"Authorization", "Bearer " + token}});
  EXPECT_EQ(r->status, 200);
  r = client_->Get("/?token=" + token);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(contains(r->get_header_value("Set-Cookie"), "pond_token=" + token));
  r = client_->Get("/api/graph", httplib::Headers{{"Cookie", "a=b; pond_token=" + token}});
  EXPECT_EQ(r->status, 200);
}

TEST_F(UiApiTest, PortInUseIsAClearError) {
  ProcessResult r = run_pond({"ui", "--port", std::to_string(port_)}, root_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "cannot listen on 127.0.0.1:" + std::to_string(port_))) << r.err;
}

TEST_F(UiApiTest, DevRunsTheDaemonBesideTheUi) {
  server_->stop();
  start({"dev", "--port", "0"});
  EXPECT_EQ(get_json("/api/info")["mode"], "dev");
  bool daemon = false;
  for (int i = 0; i < 100 && !daemon; ++i) {
    daemon = get_json("/api/info").value("daemon", false);
    if (!daemon) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(daemon) << server_->output();
  // The daemon of pond dev holds the run store: a second daemon refuses, naming it.
  ProcessResult second = run_pond(
      {"daemon", "--simulate-from", "2026-03-28T00:00", "--simulate-until", "2026-03-28T01:00"}, root_);
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_TRUE(contains(second.err, "another pond daemon is running on this run store")) << second.err;
  ProcessResult help = run_pond({"dev", "--help"}, root_);
  EXPECT_TRUE(contains(help.out, "daemon")) << help.out;
  // Ctrl-C stops both and releases the run store for the next daemon.
  server_->stop();
  EXPECT_EQ(
      run_pond({"daemon", "--simulate-from", "2026-03-28T00:00", "--simulate-until", "2026-03-28T01:00"},
               root_)
          .exit_code,
      0);
}

}  // namespace
}  // namespace pond::test
