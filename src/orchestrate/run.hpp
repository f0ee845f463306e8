#pragma once
// One asset run: the chosen assets at one partition scope, as ONE DAG of steps on one executor
// (dbt nodes and their tests, command assets), recorded in the run store with the partitions
// each step materialized or failed. The dbt part also writes dbt's artifacts (run_results.json,
// target/run/) as `pond build` does.
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exec/cancellation.hpp"
#include "exec/executor.hpp"
#include "orchestrate/partitions.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::orchestrate {

struct RunRequest {
  std::vector<std::size_t> assets;  // materializable asset indexes
  const PartitionsDefinition* partitions = nullptr;
  PartitionScope scope;
  std::string command = "materialize";
  std::string selection;  // as the user wrote it, for the run record
  std::string trigger = "cli";
  std::string parent_run_id;
  std::map<std::string, std::string> tags;
  std::string vars;  // --vars
  std::optional<int> threads;
  bool fail_fast = false;
  bool full_refresh = false;
  std::string run_id;  // preset (a backfill's planned run, a queued run); default a new one
  int priority = 0;    // the run queue's order: higher first
  // The run was claimed from the queue already (`pond runs launch`); otherwise execute_run puts
  // it on the queue and waits for its turn.
  bool claimed = false;
};

struct RunResult {
  std::string run_id;
  exec::RunOutcome outcome;
  int exit_code = 0;  // 0 ok, 1 a step failed, 130 cancelled
};

// Waits in the run queue (pond.yml `run_queue:`) unless `request.claimed`; a run cancelled while
// queued returns exit code 130 without running a step.
// Throws UserError before anything runs when the run cannot work (a command asset producing a
// table on a target without a lake, a program that is not found).
RunResult execute_run(Workspace& ws, const RunRequest& request, exec::Cancellation& cancel,
                      std::ostream& out);

}  // namespace pond::orchestrate
