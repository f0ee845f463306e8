#pragma once
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pond::test {

// What a finished child process left: its exit code (128+N when killed by signal N) and output.
struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

struct ProcessOptions {
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;  // added to (or replacing in) the parent's environment
  std::vector<std::string> unset_env;
  std::string stdin_data;
  std::chrono::milliseconds timeout{120000};              // killed (SIGKILL) past this
  std::optional<std::chrono::milliseconds> signal_after;  // send `signal` after this long
  int signal = 2;                                         // SIGINT
};

// Runs argv[0] with arguments, waits, and returns what it printed. Never throws for a
// non-zero exit; throws std::runtime_error if the process cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

}  // namespace pond::test
