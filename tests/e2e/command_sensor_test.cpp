// Command sensors (`type: command`) of the real daemon on simulated time: a script printing run
// requests as JSON lines with run keys and a cursor (each key queued once, the cursor handed
// back on the next evaluation and committed with the runs); a command printing garbage, failing
// or hanging fails its evaluation with the reason recorded and the daemon goes on.
#include <gtest/gtest.h>

#include <set>

#include "e2e/mini_project.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

const char* kAssets =
    "assets:\n"
    "  stamp:\n    run: [sh, -c, 'echo \"$POND_RUN_ID\" >> \"$POND_PROJECT_DIR/stamps.log\"']\n";

// Prints a run request per order in orders.txt above the cursor, one request with a key it
// always repeats, and the new cursor; logs the cursor it was given.
const char* kSensorScript = R"(import json, os
cursor = os.environ.get("POND_SENSOR_CURSOR", "")
with open("cursors.log", "a") as f:
    f.write((cursor or "-") + "\n")
last = int(cursor or 0)
orders = [int(x) for x in open("orders.txt").read().split()]
for o in orders:
    if o > last:
        print(json.dumps({"run_key": "order-%d" % o, "tags": {"order": str(o)}}))
print(json.dumps({"run_key": "always", "select": ["stamp"]}))
print(json.dumps({"cursor": str(max(orders + [last]))}))
)";

class CommandSensor : public PondTest {
 protected:
  fs::path project(const std::string& sensors) {
    fs::path root = dir_ / "mini";
    write_mini_project(root);
    write_file(root / "pond.yml", std::string(kAssets) + "sensors:\n" + sensors);
    return root;
  }
  runstore::RunStore store(const fs::path& root) {
    return runstore::RunStore::open(root / ".pond" / "state.db");
  }
  ProcessResult daemon(const fs::path& root, const std::string& from, const std::string& until) {
    return run_pond({"daemon", "--simulate-from", from, "--simulate-until", until}, root);
  }
};

TEST_F(CommandSensor, QueuesEachRunKeyOnceAndHandsBackItsCursor) {
  fs::path root =
      project("  orders: {type: command, run: [python3, sensor.py], select: [stamp], interval: 30s}\n");
  write_file(root / "sensor.py", kSensorScript);
  write_file(root / "orders.txt", "1 2 3\n");
  ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-28T00:02");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto runs = store(root).recent_runs(100);
  ASSERT_EQ(runs.size(), 4u) << r.out;  // orders 1-3 and "always"
  write_file(root / "orders.txt", "1 2 3 4 5\n");
  r = daemon(root, "2026-03-28T01:00", "2026-03-28T01:02");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  runstore::RunStore s = store(root);
  runs = s.recent_runs(100);
  ASSERT_EQ(runs.size(), 6u) << r.out;  // orders 4 and 5; "always" not again
  std::multiset<std::string> orders;
  for (const auto& run : runs) {
    EXPECT_EQ(run.trigger, "sensor");
    EXPECT_EQ(run.status, "success");
    auto tags = s.run_tags(run.run_id);
    EXPECT_EQ(tags["pond/sensor"], "orders");
    if (tags.count("order")) orders.insert(tags["order"]);
    EXPECT_TRUE(tags.count("pond/run_key"));
  }
  EXPECT_EQ(orders, (std::multiset<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(s.automation_state("sensor:orders").cursor, "5");
  // The cursor each evaluation was given: none first, then what the previous one printed.
  std::string cursors = read_file(root / "cursors.log");
  EXPECT_EQ(cursors.substr(0, 4), "-\n3\n") << cursors;
  EXPECT_NE(cursors.find("\n5\n"), std::string::npos) << cursors;
  auto ticks = s.recent_ticks("sensor:orders", 20);
  int submitted = 0;
  for (const auto& t : ticks) submitted += t.status == "submitted";
  EXPECT_EQ(submitted, 2);
  EXPECT_EQ(fs::exists(root / "stamps.log") ? read_file(root / "stamps.log").size() / 37 : 0u, 6u);
}

TEST_F(CommandSensor, GarbageFailureOrAHangFailsTheEvaluationAndTheDaemonGoesOn) {
  fs::path root = project(
      "  garbage: {type: command, run: \"echo hello; echo '{\\\"select\\\": 5}'\", select: [stamp]}\n"
      "  failing: {type: command, run: \"echo boom >&2; exit 3\", select: [stamp]}\n"
      "  hanging: {type: command, run: \"sleep 30\", timeout: 1s, select: [stamp]}\n"
      "  unknown: {type: command, run: \"echo '{\\\"select\\\": \\\"nope\\\"}'\"}\n"
      "  good: {type: command, run: \"echo '{}'\", select: [stamp], interval: 1h}\n");
  ProcessResult r = daemon(root, "2026-03-28T00:00", "2026-03-28T00:01");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  runstore::RunStore s = store(root);
  auto reason = [&](const std::string& name) {
    auto t = s.recent_ticks("sensor:" + name, 5);
    EXPECT_EQ(t.size(), 1u) << name;  // recorded once, not on every evaluation
    return t.empty() ? std::string() : t[0].status + ": " + t[0].reason;
  };
  EXPECT_EQ(reason("garbage").rfind("failed: its output, line 1: expected a JSON object", 0), 0u)
      << reason("garbage");
  EXPECT_NE(reason("failing").find("exited with code 3; nothing was queued, its stderr ends:\n    boom"),
            std::string::npos)
      << reason("failing");
  EXPECT_NE(reason("hanging").find("did not finish within its timeout (1 s)"), std::string::npos)
      << reason("hanging");
  EXPECT_NE(reason("unknown").find("line 1: "), std::string::npos) << reason("unknown");
  EXPECT_NE(reason("unknown").find("nope"), std::string::npos) << reason("unknown");
  // The good sensor still ran: one run, its request empty so the sensor's select: applies.
  auto runs = s.recent_runs(10);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(s.run_tags(runs[0].run_id)["pond/sensor"], "good");
  EXPECT_TRUE(contains(r.out, "Sensor garbage: failed")) << r.out;
}

TEST_F(CommandSensor, PondYmlErrorsNameTheLine) {
  fs::path root = project("  a: {type: command, select: [stamp]}\n");
  ProcessResult r = run_pond({"sensors"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "pond.yml:5:6")) << r.err;
  EXPECT_TRUE(contains(r.err, "needs 'run:'")) << r.err;
  write_file(
      root / "pond.yml",
      std::string(kAssets) + "sensors:\n  a: {type: asset, asset: stamp, select: [stamp], timeout: 5s}\n");
  r = run_pond({"sensors"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "timeout: is for type: files and command")) << r.err;
  write_file(root / "pond.yml",
             std::string(kAssets) + "sensors:\n  a: {type: files, path: x, select: [stamp], run: 'true'}\n");
  r = run_pond({"sensors"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "run: is for type: command")) << r.err;
}

}  // namespace
}  // namespace pond::test
