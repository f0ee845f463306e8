#pragma once
// dbt's run, build, seed, test and snapshot tasks: load the project, compile the selected nodes
// against the target, turn them into steps and run them, recorded in the run store.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dbt/invocation.hpp"
#include "dbt/options.hpp"
#include "dbt/plan.hpp"
#include "materialize/spec.hpp"

namespace pond::dbt {

// `pond retry`: run exactly these nodes (instead of the selection flags), recorded as a retry of
// `parent_run_id`.
struct RetryScope {
  std::vector<std::string> unique_ids;
  std::string parent_run_id;
  // Microbatch models that partly succeeded: only their failed batches run again.
  std::map<std::string, std::vector<materialize::BatchWindow>> failed_batches;
};

// Returns the exit code: 0 all good (warnings included), 1 a step failed, 130 interrupted.
int run_project_command(TaskContext& ctx, const ExecOptions& options, const std::string& which,
                        PlanKinds kinds, const RetryScope* retry, std::ostream& out);

// The node types of a command (run, build, seed, test, snapshot); nullopt for any other.
std::optional<PlanKinds> kinds_of_command(const std::string& which);

// Runs an invocation with Ctrl-C routed to the executor that is running (the watcher thread
// cancels it), for every command that executes steps.
InvocationResult run_interruptible(TaskContext& ctx, const engine::Database* db,
                                   const std::vector<exec::Step*>& steps, const InvocationOptions& io,
                                   std::ostream& out);

}  // namespace pond::dbt
