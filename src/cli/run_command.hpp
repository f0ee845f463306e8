#pragma once
// The shared body of `pond run`, `build`, `seed`, `test` and `snapshot` (cmd_<name>.cpp pick
// the node types).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "materialize/spec.hpp"
#include "orchestrate/invocation.hpp"

namespace pond::cli {

// Node types a command runs.
struct RunKinds {
  bool models = false;
  bool seeds = false;
  bool snapshots = false;
  bool tests = false;
};

// `pond retry`: run exactly these nodes (instead of the selection flags), recorded as a retry of
// `parent_run_id`.
struct RetryScope {
  std::vector<std::string> unique_ids;
  std::string parent_run_id;
  // Microbatch models that partly succeeded: only their failed batches run again.
  std::map<std::string, std::vector<materialize::BatchWindow>> failed_batches;
};

// Returns the exit code: 0 all good (warnings included), 1 a step failed, 130 interrupted.
int run_project_command(CommandContext& ctx, const ExecOptions& options, const std::string& which,
                        RunKinds kinds, const RetryScope* retry = nullptr);

// The node types of a command (run, build, seed, test, snapshot); nullopt for any other.
std::optional<RunKinds> kinds_of_command(const std::string& which);

// Runs an invocation with Ctrl-C routed to the executor that is running (the watcher thread
// cancels it), for every command that executes steps.
orchestrate::InvocationResult run_interruptible(CommandContext& ctx, const engine::Database& db,
                                                const std::vector<orchestrate::Step*>& steps,
                                                const orchestrate::InvocationOptions& io);

}  // namespace pond::cli
