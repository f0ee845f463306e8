#pragma once
// The shared body of `pond run`, `build`, `seed`, `test` and `snapshot` (cmd_<name>.cpp pick
// the node types).
#include <string>

#include "cli/commands.hpp"

namespace pond::cli {

// Node types a command runs.
struct RunKinds {
  bool models = false;
  bool seeds = false;
  bool snapshots = false;
  bool tests = false;
};

// Returns the exit code: 0 all good (warnings included), 1 a step failed, 130 interrupted.
int run_project_command(CommandContext& ctx, const ExecOptions& options, const std::string& which,
                        RunKinds kinds);

}  // namespace pond::cli
