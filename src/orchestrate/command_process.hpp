#pragma once
// Runs a command asset's process: in a process group of its own, with its output streamed line
// by line as it comes, stopped (the whole group: SIGTERM, then SIGKILL) on a timeout or a
// cancel, and with every process left in its group killed once the command exits, so nothing it
// started outlives its step.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::orchestrate {

struct CommandSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;  // added to (or replacing in) pond's environment
  std::optional<std::chrono::milliseconds> timeout;
  std::chrono::milliseconds grace{2000};  // SIGTERM to SIGKILL
};

struct CommandResult {
  int exit_code = -1;  // 128+N when killed by signal N
  bool started = false;
  std::string start_error;  // why it could not start (not found, not executable)
  bool timed_out = false;
  bool cancelled = false;
  std::vector<std::string> stderr_tail;  // the last lines of stderr
  double seconds = 0;
};

// `on_line(is_stderr, line)` is called for each line as it arrives (from this thread).
CommandResult run_command(const CommandSpec& spec, const std::atomic<bool>& cancelled,
                          const std::function<void(bool, std::string_view)>& on_line);

}  // namespace pond::orchestrate
