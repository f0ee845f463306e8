// The run queue of the real binary: a global limit and a per-tag limit observed across pond
// processes (the time each command ran, measured by the commands), submitted runs launched by
// racing `pond runs launch` processes exactly once each and by priority, cancel of a queued run;
// the same across processes on a PostgreSQL run store (a real server the test starts).
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "e2e/pond_runner.hpp"
#include "runstore/run_store.hpp"
#include "support/postgres_server.hpp"

namespace pond::test {

namespace {

// A command that records when it started and ended (ns) in slots.log, sleeping in between.
constexpr const char* kSlotScript = R"sh(#!/bin/sh
echo "$POND_ASSET start $(date +%s%N)" >> "$POND_PROJECT_DIR/slots.log"
sleep "${SLOT_SECONDS:-1}"
echo "$POND_ASSET end $(date +%s%N)" >> "$POND_PROJECT_DIR/slots.log"
)sh";

// The example with `queue` as its run_queue: and slot assets a, b, c (and `extra` assets).
std::filesystem::path queue_project(const std::filesystem::path& root, const std::string& queue,
                                    const std::string& extra = "") {
  write_file(root / "scripts" / "slot.sh", kSlotScript);
  std::string yml = read_file(root / "pond.yml");
  yml.insert(yml.find("\npartitions:"), "\nrun_queue:\n" + queue);
  yml.insert(yml.find("\nmodels:"),
             "\n  slot_a: {run: [sh, scripts/slot.sh]}\n  slot_b: {run: [sh, scripts/slot.sh]}\n"
             "  slot_c: {run: [sh, scripts/slot.sh]}\n" +
                 extra);
  write_file(root / "pond.yml", yml);
  return root;
}

struct Span {
  long long start = 0, end = 0;
};

// asset -> [start, end) from slots.log.
std::map<std::string, Span> spans(const std::filesystem::path& root) {
  std::map<std::string, Span> out;
  std::istringstream in(read_file(root / "slots.log"));
  std::string asset, what;
  long long ns = 0;
  while (in >> asset >> what >> ns) (what == "start" ? out[asset].start : out[asset].end) = ns;
  return out;
}

bool overlap(const Span& a, const Span& b) {
  return a.start < b.end && b.start < a.end;
}

runstore::RunStore store_of(const std::filesystem::path& root) {
  return runstore::RunStore::open(root / ".pond" / "state.db");
}

// Waits until a run has `status` and `pred`; returns its id.
std::string wait_for_run(const std::filesystem::path& root, const std::string& status,
                         const std::function<bool(const runstore::RunRecord&)>& pred = {}) {
  for (int i = 0; i < 400; ++i) {
    if (std::filesystem::exists(root / ".pond" / "state.db")) {
      auto store = store_of(root);
      for (const auto& r : store.recent_runs(20))
        if (r.status == status && (!pred || pred(r))) return r.run_id;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

}  // namespace

TEST_F(PondTest, RunQueueGlobalLimitSerializesRunsOfTwoProcesses) {
  auto root = queue_project(init_lake_project(), "  max_concurrent_runs: 1\n");
  ProcessResult a, b;
  std::thread ta([&] { a = run_pond({"materialize", "-s", "slot_a"}, root); });
  std::thread tb([&] { b = run_pond({"materialize", "-s", "slot_b"}, root); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_TRUE(
      contains(a.out + b.out, "is queued (0 queued ahead of it; pond.yml run_queue: max_concurrent_runs: 1)"))
      << a.out << b.out;
  auto s = spans(root);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_FALSE(overlap(s["slot_a"], s["slot_b"]));
}

TEST_F(PondTest, RunQueueTagLimitHoldsBackOnlyItsTag) {
  auto root = queue_project(init_lake_project(),
                            "  max_concurrent_runs: 3\n  tag_concurrency_limits:\n"
                            "    - {key: team, value: fin, limit: 1}\n");
  ProcessOptions two_seconds;
  two_seconds.env["SLOT_SECONDS"] = "2";
  ProcessResult a, b, c;
  std::thread ta([&] {
    a = run_pond({"materialize", "-s", "slot_a", "--tag", "team=fin"}, root, two_seconds);
  });
  std::thread tb([&] {
    b = run_pond({"materialize", "-s", "slot_b", "--tag", "team=fin"}, root, two_seconds);
  });
  std::thread tc([&] {
    c = run_pond({"materialize", "-s", "slot_c", "--tag", "team=ops"}, root, two_seconds);
  });
  ta.join();
  tb.join();
  tc.join();
  for (const auto* r : {&a, &b, &c}) ASSERT_EQ(r->exit_code, 0) << r->out << r->err;
  auto s = spans(root);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_FALSE(overlap(s["slot_a"], s["slot_b"]));  // one team=fin run at a time
  // team=ops is not held back by them: it ran next to one of them.
  EXPECT_TRUE(overlap(s["slot_c"], s["slot_a"]) || overlap(s["slot_c"], s["slot_b"]));
  auto store = store_of(root);
  for (const auto& r : store.recent_runs(10)) EXPECT_EQ(r.status, "success") << r.run_id;
}

TEST_F(PondTest, RunQueueSubmittedRunsLaunchedOnceByRacingLaunchersAndByPriority) {
  auto root = queue_project(init_lake_project(), "  max_concurrent_runs: 2\n",
                            "  mark: {run: 'echo $POND_RUN_ID >> launched.log'}\n");
  auto submit = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"materialize", "-s", "mark", "--submit"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = run_pond(args, root);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "Queued run ")) << r.out;
    return r.out.substr(11, 36);
  };
  std::string low = submit({});
  std::string high = submit({"--tag", "pond/priority=9"});
  ProcessResult l = run_pond({"runs", "launch"}, root);
  ASSERT_EQ(l.exit_code, 0) << l.out << l.err;
  EXPECT_TRUE(contains(l.out, "Launched 2 queued run(s)")) << l.out;
  EXPECT_EQ(read_file(root / "launched.log"), high + "\n" + low + "\n");
  std::filesystem::remove(root / "launched.log");

  std::set<std::string> submitted;
  for (int i = 0; i < 6; ++i) submitted.insert(submit({}));
  ProcessResult listed = run_pond({"runs", "-o", "json"}, root);
  int queued = 0;
  for (const auto& row : nlohmann::json::parse(listed.out)) queued += row["status"] == "queued";
  EXPECT_EQ(queued, 6) << listed.out;

  std::vector<ProcessResult> launchers(3);
  std::vector<std::thread> ts;
  for (auto& r : launchers) ts.emplace_back([&r, &root] { r = run_pond({"runs", "launch"}, root); });
  for (auto& t : ts) t.join();
  for (const auto& r : launchers) EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::istringstream in(read_file(root / "launched.log"));
  std::map<std::string, int> times;
  for (std::string id; in >> id;) ++times[id];
  EXPECT_EQ(times.size(), 6u);
  for (const auto& id : submitted) EXPECT_EQ(times[id], 1) << id;  // each launched exactly once
  auto store = store_of(root);
  for (const auto& id : submitted) EXPECT_EQ(store.find_run(id)->status, "success") << id;
  EXPECT_TRUE(contains(run_pond({"runs", "launch"}, root).out, "No queued run to launch"));
}

TEST_F(PondTest, RunQueueCancelOfAQueuedRun) {
  auto root =
      queue_project(init_lake_project(), "  max_concurrent_runs: 1\n", "  long_one: {run: sleep 60}\n");
  ProcessResult a, b;
  std::thread ta([&] { a = run_pond({"materialize", "-s", "long_one"}, root); });
  std::string running = wait_for_run(root, "running");
  ASSERT_FALSE(running.empty());
  std::thread tb([&] { b = run_pond({"materialize", "-s", "slot_a"}, root); });
  std::string waiting = wait_for_run(root, "queued");
  ASSERT_FALSE(waiting.empty());
  ProcessResult c = run_pond({"runs", "cancel", waiting}, root);
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(contains(c.out, "Cancelled queued run " + waiting)) << c.out;
  tb.join();
  EXPECT_EQ(b.exit_code, 130) << b.out << b.err;
  EXPECT_TRUE(contains(b.out, "was cancelled while queued")) << b.out;
  EXPECT_FALSE(std::filesystem::exists(root / "slots.log"));  // its step never ran
  ASSERT_EQ(run_pond({"runs", "cancel", running}, root).exit_code, 0);
  ta.join();
  EXPECT_EQ(a.exit_code, 130) << a.out << a.err;
  EXPECT_EQ(store_of(root).find_run(waiting)->status, "cancelled");
}

TEST_F(PondTest, PoolLimitHoldsAcrossRunsOfTwoProcesses) {
  // No run queue limit: both runs start at once, their steps of pool `serial` take turns.
  auto root = queue_project(init_lake_project(), "  max_concurrent_runs: 5\n",
                            "  slot_p: {run: [sh, scripts/slot.sh], pool: serial}\n"
                            "  slot_q: {run: [sh, scripts/slot.sh], pool: serial}\n");
  std::string yml = read_file(root / "pond.yml");
  yml.replace(yml.find("exports: 1"), 10, "exports: 1\n  serial: 1");
  write_file(root / "pond.yml", yml);
  ProcessResult a, b;
  std::thread ta([&] { a = run_pond({"materialize", "-s", "slot_p", "slot_a"}, root); });
  std::thread tb([&] { b = run_pond({"materialize", "-s", "slot_q"}, root); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  auto s = spans(root);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_FALSE(overlap(s["slot_p"], s["slot_q"]));
  EXPECT_TRUE(overlap(s["slot_a"], s["slot_q"]) || overlap(s["slot_a"], s["slot_p"]));  // not in the pool
  EXPECT_TRUE(runstore::RunStore::open(root / ".pond" / "state.db").queued_runs().empty());
}

TEST_F(PondTest, RunQueueBadInput) {
  auto root = queue_project(init_lake_project(), "  max_concurrent_runs: 2\n");
  ProcessResult r = run_pond({"materialize", "-s", "slot_a", "--tag", "pond/priority=high"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "tag pond/priority=high is not a whole number")) << r.err;
  std::string yml = read_file(root / "pond.yml");
  yml.replace(yml.find("max_concurrent_runs: 2"), 22, "max_concurrent_runs: many");
  write_file(root / "pond.yml", yml);
  r = run_pond({"materialize", "-s", "slot_a"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "pond.yml:")) << r.err;
}

TEST_F(PondTest, PostgresRunStoreTwoProcessesAtOnceAndRacingLaunchersNoDuplicateStep) {
  std::string why;
  auto server = PostgresServer::start(why);
  ASSERT_TRUE(server) << why;
  std::string spec = "postgres:" + server->create_database("two_processes");
  auto root = queue_project(init_lake_project(), "  max_concurrent_runs: 4\n",
                            "  mark: {run: 'echo $POND_RUN_ID >> launched.log'}\n");
  std::string yml = read_file(root / "pond.yml");
  yml.replace(yml.find("state: .pond/state.db"), 21, "state: '" + spec + "'");
  write_file(root / "pond.yml", yml);
  // Two processes materializing different assets at once: both run, side by side.
  ProcessOptions slow;
  slow.env["SLOT_SECONDS"] = "2";
  ProcessResult a, b;
  std::thread ta([&] { a = run_pond({"materialize", "-s", "slot_a"}, root, slow); });
  std::thread tb([&] { b = run_pond({"materialize", "-s", "slot_b"}, root, slow); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  auto s = spans(root);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_TRUE(overlap(s["slot_a"], s["slot_b"])) << "the two runs did not run at once";
  EXPECT_FALSE(std::filesystem::exists(root / ".pond" / "state.db")) << "a SQLite store was created too";
  // Six submitted runs and three racing launchers: each run launched once, each step once.
  std::set<std::string> submitted;
  for (int i = 0; i < 6; ++i) {
    ProcessResult r = run_pond({"materialize", "-s", "mark", "--submit"}, root);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    submitted.insert(r.out.substr(11, 36));
  }
  std::vector<ProcessResult> launchers(3);
  std::vector<std::thread> ts;
  for (auto& r : launchers) ts.emplace_back([&r, &root] { r = run_pond({"runs", "launch"}, root); });
  for (auto& t : ts) t.join();
  for (const auto& r : launchers) EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::istringstream in(read_file(root / "launched.log"));
  std::map<std::string, int> times;
  for (std::string id; in >> id;) ++times[id];
  EXPECT_EQ(times.size(), 6u);
  for (const auto& id : submitted) EXPECT_EQ(times[id], 1) << id;
  // The store agrees: eight successful runs, one step each.
  auto store = runstore::RunStore::open_spec(spec, root);
  auto runs = store.recent_runs(20);
  EXPECT_EQ(runs.size(), 8u);
  for (const auto& r : runs) {
    EXPECT_EQ(r.status, "success") << r.run_id;
    EXPECT_EQ(store.steps_of(r.run_id).size(), 1u) << r.run_id;
  }
}

}  // namespace pond::test
