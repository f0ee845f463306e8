// What `pond run/build/seed/test/snapshot` share: load and select, compile the chosen nodes
// against the target database, turn them into steps and hand them to run_invocation.
#include "dbt/run_task.hpp"

#include <unistd.h>

#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/log.hpp"
#include "dbt/project.hpp"
#include "dbt/run_session.hpp"
#include "dbt/tasks.hpp"
#include "lake/lake.hpp"
#include "materialize/microbatch_window.hpp"

namespace pond::dbt {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

}  // namespace

std::optional<PlanKinds> kinds_of_command(const std::string& which) {
  if (which == "run") return PlanKinds{true, false, false, false};
  if (which == "build") return PlanKinds{true, true, true, true};
  if (which == "seed") return PlanKinds{false, true, false, false};
  if (which == "test") return PlanKinds{false, false, false, true};
  if (which == "snapshot") return PlanKinds{false, false, true, false};
  return std::nullopt;
}

// The lake's `keep:` policy after each run that wrote to it. A failure here never fails the
// run (its work is committed): it is a warning, and the next run tries again.
void apply_keep_policy(const project::TargetConfig& target, const project::LakeKeep& keep) {
  try {
    lake::LakeConfig config = lake_config(target);
    config.warn_moved_data = false;
    lake::Lake lake = lake::Lake::open(config, false);
    lake::RetentionResult r = lake.apply_retention(keep.snapshots, keep.min);
    if (r.snapshots_expired > 0 || r.files_deleted > 0)
      log::info(
          "lake keep policy (snapshots {}, min {}): expired {} snapshot(s), deleted {} file(s), {} bytes; "
          "{} snapshot(s) kept",
          keep.snapshots_text, keep.min, r.snapshots_expired, r.files_deleted, r.bytes_deleted,
          r.snapshots_kept);
  } catch (const std::exception& e) {
    log::warn("the lake's keep policy was not applied: {}", e.what());
  }
}

int exec_task(TaskContext& ctx, const ExecOptions& options, const std::string& which, std::ostream& out) {
  std::optional<PlanKinds> kinds = kinds_of_command(which);
  POND_ASSERT(kinds.has_value(), "exec_task called for '" + which + "'");
  return run_project_command(ctx, options, which, *kinds, nullptr, out);
}

int run_project_command(TaskContext& ctx, const ExecOptions& options, const std::string& which,
                        PlanKinds kinds, const RetryScope* retry, std::ostream& out) {
  // Microbatch windows are checked before anything runs (exit 2), not per model.
  std::optional<std::string> event_time_start, event_time_end;
  if (options.event_time_start)
    event_time_start = materialize::normalize_timestamp(*options.event_time_start, "--event-time-start");
  if (options.event_time_end)
    event_time_end = materialize::normalize_timestamp(*options.event_time_end, "--event-time-end");
  if (event_time_start && event_time_end && *event_time_start >= *event_time_end)
    throw UserError("--event-time-start (" + *event_time_start + ") must be before --event-time-end (" +
                    *event_time_end + ")");
  SessionOptions so{options.vars,     which, options.full_refresh, options.empty, options.store_failures,
                    options.fail_fast};
  RunSession session(ctx.options, so);
  LoadedProject* p = &session.project();
  if (ctx.cancel.requested()) return static_cast<int>(ExitCode::kInterrupted);

  std::vector<std::size_t> selected;
  if (retry) {
    for (const auto& id : retry->unique_ids) {
      if (auto i = p->manifest.index_of(id)) {
        selected.push_back(*i);
      } else if (id.rfind("operation.", 0) != 0) {
        log::warn("{} is no longer in the project; not retried", id);
      }
    }
  } else {
    selected = select(*p, options.selection);
  }
  if (options.defer || options.favor_state) {
    std::optional<std::string> dir = options.defer_state ? options.defer_state : options.selection.state;
    if (!dir)
      throw UserError("--defer needs the manifest of the environment to defer to",
                      "pass --state DIR (or --defer-state DIR) with that environment's target/ folder");
    project::PreviousState state = project::PreviousState::load(std::filesystem::path(*dir).is_relative()
                                                                    ? std::filesystem::current_path() / *dir
                                                                    : std::filesystem::path(*dir));
    if (!state.has_manifest) throw UserError("--defer: " + *dir + " has no manifest.json");
    compile::DeferTargets targets;
    targets.favor_state = options.favor_state;
    for (const auto& [id, node] : state.nodes) {
      std::string type = node.value("resource_type", "");
      if (type != "model" && type != "seed" && type != "snapshot") continue;
      if (!node.contains("schema") || !node["schema"].is_string()) continue;
      std::string database = node.value("database", std::string());
      std::string identifier = node.contains("alias") && node["alias"].is_string()
                                   ? node["alias"].get<std::string>()
                                   : node.value("name", "");
      targets.relations[id] = {database, node["schema"].get<std::string>(), identifier};
    }
    for (std::size_t i : selected) targets.selected.insert(p->manifest.nodes[i].unique_id);
    p->compiler->set_defer(std::move(targets));
  }
  session.run_options().event_time_start = event_time_start;
  session.run_options().event_time_end = event_time_end;
  RunPlan plan = session.plan(selected, kinds, retry ? &retry->failed_batches : nullptr);
  log::info("{}", summary(p->manifest));
  if (plan.steps.empty()) {
    log::warn_event("NoNodesForSelectionCriteria",
                    "Nothing to do. Try checking your model configs and model specification args");
    return 0;
  }

  InvocationOptions io;
  io.command = which;
  io.selection = join(options.selection.select);
  if (!options.selection.exclude.empty()) io.selection += " --exclude " + join(options.selection.exclude);
  nlohmann::json args{{"which", which},
                      {"select", options.selection.select},
                      {"exclude", options.selection.exclude},
                      {"selector", options.selection.selector ? *options.selection.selector : ""},
                      {"resource_types", options.selection.resource_types},
                      {"exclude_resource_types", options.selection.exclude_resource_types},
                      {"vars", options.vars},
                      {"full_refresh", options.full_refresh},
                      {"fail_fast", options.fail_fast},
                      {"empty", options.empty},
                      {"store_failures", options.store_failures},
                      {"defer", options.defer},
                      {"favor_state", options.favor_state}};
  if (options.selection.state) args["state"] = *options.selection.state;
  if (options.defer_state) args["defer_state"] = *options.defer_state;
  if (options.threads) args["threads"] = *options.threads;
  if (options.event_time_start) args["event_time_start"] = *options.event_time_start;
  if (options.event_time_end) args["event_time_end"] = *options.event_time_end;
  io.args_json = args.dump();
  io.run_id = p->invocation_id;  // one id in manifest.json, run_results.json, dbt.log and the run store
  io.target = session.resolved().target.target_name;
  io.state_path = p->manifest.project.root / ".pond" / "state.db";
  io.target_dir = session.target_dir();
  const int target_threads = session.resolved().target.threads;
  io.executor.threads = options.threads.value_or(target_threads > 0 ? target_threads : 1);
  io.executor.fail_fast = options.fail_fast;
  io.progress.json = ctx.options.log_format == "json";
  io.progress.quiet = ctx.options.quiet;
  io.progress.live = !io.progress.json && !io.progress.quiet && isatty(STDOUT_FILENO) != 0;
  io.on_run_start = plan.on_run_start;
  io.on_run_end = plan.on_run_end;
  io.before_run_end = [&session](const exec::RunOutcome& o) { session.set_run_results(o); };
  if (retry) {
    io.trigger = "retry";
    io.parent_run_id = retry->parent_run_id;
  }

  int exit_code = run_interruptible(ctx, &session.database(), plan.steps, io, out).exit_code;
  const project::TargetConfig& target = session.resolved().target;
  if (session.lake() && target.lake->keep) apply_keep_policy(target, *target.lake->keep);
  return exit_code;
}

InvocationResult run_interruptible(TaskContext& ctx, const engine::Database* db,
                                   const std::vector<exec::Step*>& steps, const InvocationOptions& io,
                                   std::ostream& out) {
  std::mutex mutex;
  exec::Executor* running = nullptr;
  exec::Cancellation::Scope on_interrupt(ctx.cancel, [&] {
    std::lock_guard lock(mutex);
    if (running) running->cancel();
  });
  auto on_executor = [&](exec::Executor* e) {
    std::lock_guard lock(mutex);
    running = e;
    if (e && ctx.cancel.requested()) e->cancel();
  };
  return run_invocation(db, steps, io, out, on_executor);
}

}  // namespace pond::dbt
