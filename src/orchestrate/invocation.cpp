#include "orchestrate/invocation.hpp"

#include "orchestrate/artifacts.hpp"
#include "orchestrate/recorder.hpp"
#include "orchestrate/run_store.hpp"

namespace pond::orchestrate {

InvocationResult run_invocation(const engine::Database& db, const std::vector<Step*>& steps,
                                const InvocationOptions& options, std::ostream& out,
                                const std::function<void(Executor*)>& on_executor) {
  InvocationResult result;
  RunStore store = RunStore::open(options.state_path);
  result.run_id = RunStore::new_run_id();
  store.start_run({result.run_id, options.command, options.selection, options.args_json, "running", iso_now(),
                   "", options.target, options.trigger, options.parent_run_id, ""});
  ProgressPrinter progress(out, options.progress);
  RunRecorder recorder(store, result.run_id);
  FanOut listeners({&progress, &recorder});
  Executor executor(db, options.executor);
  if (on_executor) on_executor(&executor);
  try {
    result.outcome = executor.run(steps, &listeners);
  } catch (...) {
    if (on_executor) on_executor(nullptr);
    store.finish_run(result.run_id, "error", iso_now(), "{}");
    throw;
  }
  if (on_executor) on_executor(nullptr);
  recorder.finish(result.outcome);
  write_artifacts(options.target_dir, result.outcome, {result.run_id, "", "1.9.0", options.args_json});
  progress.print_summary(result.outcome);
  result.exit_code = result.outcome.cancelled ? 130 : result.outcome.success() ? 0 : 1;
  return result;
}

}  // namespace pond::orchestrate
