#pragma once
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "dbt/progress.hpp"
#include "exec/executor.hpp"

namespace pond::runstore {
class RunStore;
class RunRecorder;
}  // namespace pond::runstore

namespace pond::dbt {

// One `pond run/build/test/seed/snapshot` invocation, once its steps exist.
struct InvocationOptions {
  std::string command;               // run, build, test, seed, snapshot
  std::string selection;             // --select/--exclude as given, for the run store
  std::string args_json = "{}";      // run_results.json "args"
  std::string target;                // profile target name
  std::filesystem::path state_path;  // the run store (<project>/.pond/state.db)
  std::filesystem::path target_dir;  // where run_results.json and run/ go
  exec::ExecutorOptions executor;
  ProgressOptions progress;
  std::string trigger = "cli";
  std::string parent_run_id;      // pond retry: the run it repeats
  bool write_run_results = true;  // false: `source freshness`, whose artifact is sources.json
  // on-run-start hooks run first; when one fails every step is skipped. on-run-end hooks run
  // after the steps whatever their outcome (not after a cancel).
  std::vector<exec::Step*> on_run_start;
  std::vector<exec::Step*> on_run_end;
  // Called with the steps' results before the on-run-end hooks run (their `results`).
  std::function<void(const exec::RunOutcome&)> before_run_end;

  // For runs of more than dbt nodes (the orchestrator's asset runs):
  runstore::RunStore* store = nullptr;  // record here instead of opening state_path
  std::string run_id;                   // preset id (default: a new one)
  // Called after the run row is written, before any step runs (run tags, targets).
  std::function<void(runstore::RunStore&, const std::string& run_id)> on_started;
  // Called with the recorder before any step runs (step hooks, event sinks).
  std::function<void(runstore::RunRecorder&)> on_recorder;
  // Only the steps this accepts go into run_results.json (default: every step).
  std::function<bool(const exec::StepInfo&)> in_run_results;
};

struct InvocationResult {
  std::string run_id;
  exec::RunOutcome outcome;
  int exit_code = 0;  // 0 all good (warnings included), 1 a step failed, 130 cancelled
};

// Records the run in the run store, runs the steps with progress output on `out`, writes the
// artifacts and the summary. `on_executor` is called with the executor before it starts (and
// with nullptr after it ends), so that the caller can route Ctrl-C to exec::Executor::cancel.
// `db` null: no step asks for a connection (command assets only), so no DuckDB is opened.
InvocationResult run_invocation(const engine::Database* db, const std::vector<exec::Step*>& steps,
                                const InvocationOptions& options, std::ostream& out,
                                const std::function<void(exec::Executor*)>& on_executor = {});

}  // namespace pond::dbt
