// What `pond run/build/seed/test/snapshot` share: load and select, compile the chosen nodes
// against the target database, turn them into steps and hand them to run_invocation.
#include "dbt/run_task.hpp"

#include <unistd.h>

#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "common/build_info.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "dbt/database_hooks.hpp"
#include "dbt/project.hpp"
#include "dbt/tasks.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "materialize/lake_backend.hpp"
#include "materialize/microbatch_window.hpp"
#include "project/manifest_json.hpp"

namespace pond::dbt {

namespace {

using project::ResourceType;

bool needs_compile(const project::Node& n) {
  return n.resource_type == ResourceType::kModel || n.resource_type == ResourceType::kSnapshot ||
         n.resource_type == ResourceType::kTest;
}

// Compiles all at once; when that fails, node by node so that one bad node fails alone.
std::vector<std::pair<std::string, std::string>> compile_all(LoadedProject& p,
                                                             const std::vector<std::size_t>& nodes) {
  std::vector<std::pair<std::string, std::string>> errors;
  try {
    p.compiler->compile_nodes(nodes);
    return errors;
  } catch (const UserError&) {
  }
  for (std::size_t i : nodes) {
    if (p.manifest.nodes[i].compiled) continue;
    try {
      p.compiler->compile_nodes({i});
    } catch (const UserError& e) {
      errors.emplace_back(p.manifest.nodes[i].unique_id, e.what());
    }
  }
  return errors;
}

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
  ResolvedProject resolved = resolve_project(ctx.options);
  engine::Database db = open_target_database(resolved.target);
  engine::Connection hook_con(db);
  DatabaseHooks hooks(hook_con, options.full_refresh);
  std::unique_ptr<materialize::LakeTarget> lake;  // models, seeds, snapshots into the target's lake
  std::unique_ptr<materialize::LakeBackend> lake_backend;
  if (resolved.target.lake) {
    lake = std::make_unique<materialize::LakeTarget>(lake_config(resolved.target), resolved.target.database);
    lake->load_kinds();
    hooks.set_lake(lake.get());
    lake_backend = std::make_unique<materialize::LakeBackend>(*lake);
  }
  materialize::DuckDbBackend database_backend;
  auto p = load_project(ctx.options, options.vars, which, &hooks, options.full_refresh, options.empty);
  if (ctx.cancel.requested()) return static_cast<int>(ExitCode::kInterrupted);

  PlanKinds pk = kinds;
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
  std::vector<std::size_t> to_compile;
  for (std::size_t i : selected) {
    const project::Node& n = p->manifest.nodes[i];
    bool kind_ok = (n.resource_type == ResourceType::kModel && pk.models) ||
                   (n.resource_type == ResourceType::kSnapshot && pk.snapshots) ||
                   (n.resource_type == ResourceType::kTest && pk.tests);
    if (kind_ok && needs_compile(n)) to_compile.push_back(i);
  }
  // A unit test renders its model at run time; the ephemeral models it reads must be compiled.
  if (pk.tests) {
    std::set<std::size_t> seen(to_compile.begin(), to_compile.end()),
        selected_set(selected.begin(), selected.end());
    std::vector<std::size_t> pending;
    for (const auto& ut : p->manifest.unit_tests)
      if (auto mi = p->manifest.index_of(ut.model_unique_id); mi && selected_set.count(*mi))
        pending.push_back(*mi);
    while (!pending.empty()) {
      const project::Node& n = p->manifest.nodes[pending.back()];
      pending.pop_back();
      for (const auto& d : n.depends_on_nodes) {
        auto di = p->manifest.index_of(d);
        if (!di || p->manifest.nodes[*di].materialized() != "ephemeral" || !seen.insert(*di).second) continue;
        to_compile.push_back(*di);
        pending.push_back(*di);
      }
    }
  }
  auto compile_errors = compile_all(*p, to_compile);
  std::filesystem::path target_dir = p->manifest.project.root / p->manifest.project.target_path;
  std::vector<std::size_t> compiled;
  for (std::size_t i : to_compile)
    if (p->manifest.nodes[i].compiled) compiled.push_back(i);
  compile::write_compiled(p->manifest, compiled, target_dir);
  project::write_manifest(p->manifest, *p->graph,
                          project::ArtifactInfo{p->invocation_id, p->started_at, std::string(pond_version())},
                          target_dir);

  materialize::RelationCache cache;
  cache.load(hook_con);
  materialize::RunOptions run_options;
  run_options.full_refresh = options.full_refresh;
  run_options.cache = &cache;
  run_options.event_time_start = event_time_start;
  run_options.event_time_end = event_time_end;
  run_options.empty = options.empty;

  PlanInput input{p->manifest,    *p->graph,
                  selected,       pk,
                  run_options,    &cache,
                  compile_errors, [&p](const std::string& sql) { return p->compiler->compile_inline(sql); }};
  // Nodes compile again right before they run (their ephemeral models' SQL with them), one at a
  // time: compile_nodes updates the manifest. Batches and unit tests read those nodes' SQL.
  std::mutex compile_mutex;
  input.compile_now = [&p, &compile_mutex, &target_dir](std::size_t node) {
    std::lock_guard lock(compile_mutex);
    p->compiler->compile_nodes({node});
    compile::write_compiled(p->manifest, {node}, target_dir);
    return p->manifest.nodes[node].compiled_code;
  };
  input.render_batch = [&p, &compile_mutex](std::size_t node, const materialize::BatchWindow& w,
                                            const std::string& id) {
    std::lock_guard lock(compile_mutex);
    return p->compiler->compile_batch(node, w.start, w.end, id);
  };
  input.compile_unit_test = [&p, &compile_mutex](std::size_t node, const compile::UnitTestRender& test) {
    std::lock_guard lock(compile_mutex);
    return p->compiler->compile_unit_test(node, test);
  };
  input.render_hook = [&p, &hooks](std::size_t node, const std::string& sql, engine::Connection& con) {
    DatabaseHooks::Redirect on_step(hooks, con);
    return p->compiler->render_hook(node, sql);
  };
  input.database = &database_backend;
  input.lake = lake_backend.get();
  if (retry) input.retry_batches = &retry->failed_batches;
  RunPlan plan = make_run_plan(input);
  log::info("{}", summary(p->manifest));
  if (plan.steps.empty()) {
    log::warn("Nothing to do. Try checking your model configs and model specification args");
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
                      {"vars", options.vars},
                      {"full_refresh", options.full_refresh},
                      {"fail_fast", options.fail_fast},
                      {"empty", options.empty}};
  if (options.threads) args["threads"] = *options.threads;
  if (options.event_time_start) args["event_time_start"] = *options.event_time_start;
  if (options.event_time_end) args["event_time_end"] = *options.event_time_end;
  io.args_json = args.dump();
  io.target = resolved.target.target_name;
  io.state_path = p->manifest.project.root / ".pond" / "state.db";
  io.target_dir = target_dir;
  io.executor.threads = options.threads.value_or(resolved.target.threads > 0 ? resolved.target.threads : 1);
  io.executor.fail_fast = options.fail_fast;
  io.progress.json = ctx.options.log_format == "json";
  io.progress.live = !io.progress.json && isatty(STDOUT_FILENO) != 0;
  io.on_run_start = plan.on_run_start;
  io.on_run_end = plan.on_run_end;
  if (retry) {
    io.trigger = "retry";
    io.parent_run_id = retry->parent_run_id;
  }

  return run_interruptible(ctx, db, plan.steps, io, out).exit_code;
}

InvocationResult run_interruptible(TaskContext& ctx, const engine::Database& db,
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
