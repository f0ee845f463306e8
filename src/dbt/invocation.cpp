#include "dbt/invocation.hpp"

#include <memory>
#include <optional>

#include "common/time.hpp"
#include "dbt/artifacts.hpp"
#include "project/dbt_version.hpp"
#include "runstore/recorder.hpp"
#include "runstore/run_store.hpp"

namespace pond::dbt {

namespace {

// A step that also waits for `extra` steps (the on-run-start hooks).
class WithDependencies : public exec::Step {
 public:
  WithDependencies(exec::Step& inner, const std::vector<std::string>& extra)
      : inner_(inner), info_(inner.info()) {
    info_.depends_on.insert(info_.depends_on.end(), extra.begin(), extra.end());
  }
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override { return inner_.run(ctx); }
  exec::Step& inner() { return inner_; }

 private:
  exec::Step& inner_;
  exec::StepInfo info_;
};

}  // namespace

InvocationResult run_invocation(const engine::Database* db, const std::vector<exec::Step*>& steps,
                                const InvocationOptions& options, std::ostream& out,
                                const std::function<void(exec::Executor*)>& on_executor) {
  InvocationResult result;
  std::optional<runstore::RunStore> own_store;
  if (!options.store) own_store.emplace(runstore::RunStore::open(options.state_path));
  runstore::RunStore& store = options.store ? *options.store : *own_store;
  result.run_id = options.run_id.empty() ? random_uuid() : options.run_id;
  store.mark_crashed_runs();  // a run whose process died is no longer "running"
  // The run and every step it plans, in one transaction: after a crash at any point, a retry
  // finds each step that did not finish, those that never started included.
  store.transaction([&] {
    store.start_run({result.run_id, options.command, options.selection, options.args_json, "running",
                     iso_utc_now(), "", options.target, options.trigger, options.parent_run_id, ""});
    std::vector<runstore::StepRecord> planned;
    for (const auto* group : {&options.on_run_start, &steps, &options.on_run_end})
      for (const exec::Step* s : *group) {
        runstore::StepRecord r;
        r.step_key = s->info().id;
        r.resource_type = s->info().kind;
        r.relation = s->info().relation;
        planned.push_back(std::move(r));
      }
    store.plan_steps(result.run_id, planned);
    if (options.on_started) options.on_started(store, result.run_id);
  });
  ProgressPrinter progress(out, options.progress);
  runstore::RunRecorder recorder(store, result.run_id);
  if (options.on_recorder) options.on_recorder(recorder);
  RunSqlWriter run_sql(options.target_dir);
  exec::FanOut listeners({&progress, &recorder, &run_sql});
  exec::ExecutorOptions executor_options = options.executor;
  executor_options.run_id = result.run_id;
  exec::Executor executor(db, executor_options);
  if (on_executor) on_executor(&executor);
  std::vector<std::string> start_ids;
  for (exec::Step* h : options.on_run_start) start_ids.push_back(h->info().id);
  std::vector<std::unique_ptr<WithDependencies>> wrapped;
  std::vector<exec::Step*> all = options.on_run_start;
  for (exec::Step* s : steps) {
    if (start_ids.empty()) {
      all.push_back(s);
    } else {
      wrapped.push_back(std::make_unique<WithDependencies>(*s, start_ids));
      all.push_back(wrapped.back().get());
    }
  }
  try {
    result.outcome = executor.run(all, &listeners);
    // Results must not point into the wrappers, which go away with this function.
    for (auto& r : result.outcome.results) {
      for (auto& w : wrapped)
        if (r.info == &w->info()) r.info = &w->inner().info();
    }
    if (!options.on_run_end.empty() && !result.outcome.cancelled) {
      if (options.before_run_end) options.before_run_end(result.outcome);
      exec::RunOutcome end = executor.run(options.on_run_end, &listeners);
      for (auto& r : end.results) result.outcome.results.push_back(std::move(r));
      result.outcome.elapsed += end.elapsed;
      result.outcome.cancelled = end.cancelled;
    }
  } catch (...) {
    if (on_executor) on_executor(nullptr);
    try {
      recorder.flush();  // the store is not written from two threads at once
    } catch (const std::exception&) {
      // The run's own error is the one to report.
    }
    store.finish_run(result.run_id, "error", iso_utc_now(), "{}");
    throw;
  }
  if (on_executor) on_executor(nullptr);
  recorder.finish(result.outcome);
  run_sql.finish();
  if (options.write_run_results) {
    exec::RunOutcome dbt_part;
    const exec::RunOutcome* written = &result.outcome;
    if (options.in_run_results) {
      dbt_part.elapsed = result.outcome.elapsed;
      dbt_part.cancelled = result.outcome.cancelled;
      for (const auto& r : result.outcome.results)
        if (options.in_run_results(*r.info)) dbt_part.results.push_back(r);
      written = &dbt_part;
    }
    write_artifacts(options.target_dir, *written,
                    {result.run_id, "", std::string(project::kDbtVersion), options.args_json, false});
  }
  progress.print_summary(result.outcome);
  result.exit_code = result.outcome.cancelled ? 130 : result.outcome.success() ? 0 : 1;
  return result;
}

}  // namespace pond::dbt
