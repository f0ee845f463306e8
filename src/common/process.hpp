#pragma once
// Running a helper program (git, tar) as a child process without a shell, capturing its output.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pond {

// What a finished child left: its exit code (128+N when killed by signal N) and output.
struct ChildResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH) with the arguments in `cwd` (empty: the current folder),
// with `env` added to the environment, and waits for it; stdin is /dev/null. A non-zero exit
// is returned, not thrown; a program that cannot be started is a UserError naming it.
ChildResult run_child(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {},
                      const std::map<std::string, std::string>& env = {});

}  // namespace pond
