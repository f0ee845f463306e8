// Notifications (pond.yml `notify:`) from `pond daemon` of the real binary to webhook servers
// this test starts: a run failure is POSTed once as Slack-compatible JSON; a webhook answering
// 500 is retried then recorded as failed while the daemon goes on; the URL (a secret, from the
// environment) is never printed.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/mini_project.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

// A webhook on 127.0.0.1 answering every POST to /hook/secret-token with `status`.
class Webhook {
 public:
  explicit Webhook(int status) {
    server_.Post("/hook/secret-token", [this, status](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(m_);
      bodies_.push_back(req.body);
      types_.push_back(req.get_header_value("Content-Type"));
      res.status = status;
      res.set_content(status == 200 ? "ok" : "boom", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~Webhook() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook/secret-token"; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(m_);
    return bodies_;
  }
  std::vector<std::string> types() {
    std::lock_guard lock(m_);
    return types_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex m_;
  std::vector<std::string> bodies_, types_;
};

TEST_F(PondTest, RunFailureIsPostedOnceAndA500IsRetriedThenRecordedAsFailed) {
  Webhook good(200), bad(500);
  fs::path root = dir_ / "mini";
  write_mini_project(root);
  write_file(root / "pond.yml",
             "assets:\n"
             "  broken:\n"
             "    run: [sh, -c, 'echo no input >&2; exit 3']\n"
             "  fine:\n"
             "    run: 'true'\n"
             "notify:\n"
             "  slack:\n"
             "    url_env: TEST_SLACK_URL\n"
             "    on: [run_failure]\n"
             "  pager:\n"
             "    url_env: TEST_PAGER_URL\n"
             "    retries: 2\n"
             "    backoff: 50ms\n");
  for (const char* asset : {"broken", "fine"}) {
    ProcessResult q = run_pond({"materialize", "-s", asset, "--submit"}, root);
    ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
  }
  ProcessOptions o;
  o.env["TEST_SLACK_URL"] = good.url();
  o.env["TEST_PAGER_URL"] = bad.url();
  ProcessResult r = run_pond({"daemon", "--simulate-from", "2026-03-28T00:00", "--simulate-until",
                              "2026-03-28T03:00", "--automation-interval", "1h"},
                             root, o);
  // The simulated window ends with exit code 1 (a run failed); the daemon went on to its end.
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "pond daemon: simulated window done")) << r.out;
  auto bodies = good.bodies();
  ASSERT_EQ(bodies.size(), 1u) << r.out;
  EXPECT_EQ(good.types()[0], "application/json");
  nlohmann::json j = nlohmann::json::parse(bodies[0]);
  ASSERT_TRUE(j["text"].is_string());
  const std::string text = j["text"];
  EXPECT_TRUE(contains(text, "failed")) << text;
  EXPECT_TRUE(contains(text, "broken")) << text;
  EXPECT_TRUE(contains(text, "no input")) << text;
  EXPECT_EQ(bad.bodies().size(), 3u) << "the first attempt and 2 retries";
  EXPECT_TRUE(contains(r.out, "Notification slack (run_failure): sent")) << r.out;
  EXPECT_TRUE(contains(r.out, "Notification pager (run_failure): failed: HTTP 500 after 3 attempt(s)"))
      << r.out;
  // The URL is a secret: not in the output, nor in the log.
  EXPECT_FALSE(contains(r.out + r.err, "secret-token")) << r.out << r.err;

  runstore::RunStore s = runstore::RunStore::open(root / ".pond" / "state.db");
  std::string failed_run;
  for (const auto& run : s.recent_runs(10))
    if (run.status == "error") failed_run = run.run_id;
  ASSERT_FALSE(failed_run.empty());
  auto pager = s.recent_ticks("notify:pager:run:" + failed_run, 10);
  ASSERT_EQ(pager.size(), 1u);
  EXPECT_EQ(pager[0].status, "failed");
  EXPECT_EQ(s.recent_ticks("notify:slack:run:" + failed_run, 10).at(0).status, "sent");

  // A restart notifies nothing again.
  r = run_pond({"daemon", "--simulate-from", "2026-03-28T03:00", "--simulate-until", "2026-03-28T05:00",
                "--automation-interval", "1h"},
               root, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(good.bodies().size(), 1u);
  EXPECT_EQ(bad.bodies().size(), 3u);

  // Without the environment variable: refused at the pond.yml line, exit 2.
  r = run_pond({"daemon", "--simulate-from", "2026-03-28T05:00", "--simulate-until", "2026-03-28T06:00"},
               root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "pond.yml:")) << r.err;
  EXPECT_TRUE(contains(r.err, "TEST_SLACK_URL is not set")) << r.err;
}

// A check that fails in a run that succeeds (non-blocking) is notified once, listing the check;
// a target whose `on:` leaves check_failure out gets nothing.
TEST_F(PondTest, FailedAssetChecksOfASuccessfulRunAreNotifiedOnce) {
  Webhook checks(200), failures_only(200);
  fs::path root = dir_ / "mini";
  write_mini_project(root);
  write_file(root / "pond.yml",
             "assets:\n"
             "  scored:\n"
             "    run: |\n"
             "      echo '{\"check\": \"in_range\", \"passed\": false, \"message\": \"3 scores above 1\"}' "
             ">> \"$POND_PIPES\"\n"
             "    checks: [{name: in_range}]\n"
             "notify:\n"
             "  quality:\n"
             "    url_env: TEST_CHECKS_URL\n"
             "    on: [check_failure]\n"
             "  oncall:\n"
             "    url_env: TEST_ONCALL_URL\n"
             "    on: [run_failure, late]\n");
  ProcessResult q = run_pond({"materialize", "-s", "scored", "--submit"}, root);
  ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
  ProcessOptions o;
  o.env["TEST_CHECKS_URL"] = checks.url();
  o.env["TEST_ONCALL_URL"] = failures_only.url();
  ProcessResult r = run_pond({"daemon", "--simulate-from", "2026-03-28T00:00", "--simulate-until",
                              "2026-03-28T03:00", "--automation-interval", "1h"},
                             root, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto bodies = checks.bodies();
  ASSERT_EQ(bodies.size(), 1u) << r.out;
  const std::string text = nlohmann::json::parse(bodies[0])["text"];
  EXPECT_TRUE(contains(text, "1 check(s) failed in run")) << text;
  EXPECT_TRUE(contains(text, "scored in_range fail: 3 scores above 1")) << text;
  EXPECT_TRUE(failures_only.bodies().empty());
  EXPECT_TRUE(contains(r.out, "Notification quality (check_failure): sent")) << r.out;
  r = run_pond({"daemon", "--simulate-from", "2026-03-28T03:00", "--simulate-until", "2026-03-28T05:00",
                "--automation-interval", "1h"},
               root, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(checks.bodies().size(), 1u);
}

}  // namespace
}  // namespace pond::test
