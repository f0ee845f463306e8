#include "orchestrate/command_process.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "support/temp_dir.hpp"

namespace pond::orchestrate {

namespace {

CommandResult sh(const std::string& script, std::vector<std::string>* lines = nullptr,
                 std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.timeout = timeout;
  spec.grace = std::chrono::milliseconds(300);
  std::atomic<bool> cancelled{false};
  return run_command(spec, cancelled, [&](bool err, std::string_view line) {
    if (lines) lines->push_back(std::string(err ? "E:" : "O:") + std::string(line));
  });
}

// Running (a zombie waiting for a reaper that is not pond counts as gone: it was killed).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

}  // namespace

TEST(CommandProcess, StreamsLinesAndReportsTheExitCode) {
  std::vector<std::string> lines;
  CommandResult r = sh("echo one; echo two >&2; printf 'no newline'; exit 4", &lines);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "O:one"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "E:two"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "O:no newline"), lines.end());
  ASSERT_EQ(r.stderr_tail.size(), 1u);
  EXPECT_EQ(r.stderr_tail[0], "two");
}

TEST(CommandProcess, EnvironmentAndWorkingFolder) {
  test::TempDir dir;
  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo \"$POND_ASSET\" > seen.txt; pwd >> seen.txt"};
  spec.cwd = dir.path();
  spec.env["POND_ASSET"] = "scores";
  std::atomic<bool> cancelled{false};
  EXPECT_EQ(run_command(spec, cancelled, nullptr).exit_code, 0);
  std::ifstream in(dir.path() / "seen.txt");
  std::string asset, cwd;
  std::getline(in, asset);
  std::getline(in, cwd);
  EXPECT_EQ(asset, "scores");
  EXPECT_EQ(std::filesystem::canonical(cwd), std::filesystem::canonical(dir.path()));
}

TEST(CommandProcess, AProgramThatDoesNotExistDoesNotStart) {
  CommandSpec spec;
  spec.argv = {"no-such-program-pond-test"};
  std::atomic<bool> cancelled{false};
  CommandResult r = run_command(spec, cancelled, nullptr);
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.start_error.empty());
}

TEST(CommandProcess, TimeoutKillsTheWholeGroupAndNoChildOutlivesIt) {
  test::TempDir dir;
  std::string pidfile = (dir.path() / "child.pid").string();
  // A background child that ignores SIGTERM, and a parent that sleeps.
  std::vector<std::string> lines;
  auto t0 = std::chrono::steady_clock::now();
  CommandResult r = sh("(trap '' TERM; sleep 30) & echo $! > " + pidfile + "; sleep 30", &lines,
                       std::chrono::milliseconds(300));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(took, std::chrono::seconds(5));
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  ASSERT_GT(child, 0);
  for (int i = 0; i < 50 && alive(child); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(alive(child)) << "the background child survived its command";
}

TEST(CommandProcess, ChildrenLeftBehindAfterAZeroExitAreKilled) {
  test::TempDir dir;
  std::string pidfile = (dir.path() / "child.pid").string();
  CommandResult r = sh("sleep 30 > /dev/null 2>&1 & echo $! > " + pidfile + "; exit 0");
  EXPECT_EQ(r.exit_code, 0);
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  ASSERT_GT(child, 0);
  for (int i = 0; i < 50 && alive(child); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(alive(child));
}

TEST(CommandProcess, CancelStopsIt) {
  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", "sleep 30"};
  std::atomic<bool> cancelled{false};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  CommandResult r = run_command(spec, cancelled, nullptr);
  t.join();
  EXPECT_TRUE(r.cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

}  // namespace pond::orchestrate
