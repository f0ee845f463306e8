#include "orchestrate/run.hpp"

#include <unistd.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "common/scope_guard.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "dbt/invocation.hpp"
#include "dbt/run_session.hpp"
#include "dbt/run_task.hpp"
#include "dbt/step_details.hpp"
#include "dbt/target.hpp"
#include "engine/database.hpp"
#include "materialize/lake_target.hpp"
#include "materialize/microbatch_window.hpp"
#include "orchestrate/asset_step.hpp"
#include "orchestrate/cancel_watch.hpp"
#include "orchestrate/command_step.hpp"
#include "orchestrate/ingest_step.hpp"
#include "orchestrate/run_queue.hpp"
#include "orchestrate/run_request.hpp"
#include "project/vars.hpp"
#include "runstore/recorder.hpp"

namespace pond::orchestrate {

namespace {

using project::Node;
using project::ResourceType;

// Words a shell runs itself; a command line starting with one is not checked against PATH.
bool shell_word(const std::string& w) {
  static const std::set<std::string> kWords{
      "cd",    "echo", "exec", "export", "set",    "test", "[",      "true", "false", "exit", "if", "for",
      "while", "{",    "(",    ".",      "source", "eval", "printf", "read", "sleep", "case", "!"};
  return kWords.count(w) || w.find('=') != std::string::npos || w.find('$') != std::string::npos;
}

// A command asset whose program cannot be found fails before the run starts (exit 2).
void check_program(const AssetNode& a, const std::filesystem::path& root) {
  const AssetConfig& c = *a.command;
  std::string program = c.argv.empty() ? std::string(trim(c.shell)) : c.argv.front();
  if (c.argv.empty()) program = program.substr(0, program.find_first_of(" \t\n;|&"));
  if (program.empty() || (c.argv.empty() && shell_word(program))) return;
  std::filesystem::path cwd = c.cwd.empty() ? root : root / c.cwd;
  if (program.find('/') != std::string::npos) {
    std::filesystem::path p =
        std::filesystem::path(program).is_absolute() ? std::filesystem::path(program) : cwd / program;
    if (::access(p.c_str(), X_OK) == 0) return;
    throw UserError(c.run_where,
                    "asset '" + a.name + "': '" + program + "' is not an executable file (looked in " +
                        cwd.string() + ")",
                    std::filesystem::exists(p)
                        ? "make it executable (chmod +x) or run it with its interpreter"
                        : "check the path in 'run:'");
  }
  const char* path = std::getenv("PATH");
  for (const auto& dir : split(path ? path : "/usr/bin:/bin", ':'))
    if (!dir.empty() && ::access((std::filesystem::path(dir) / program).c_str(), X_OK) == 0) return;
  throw UserError(c.run_where, "asset '" + a.name + "': command '" + program + "' not found on the PATH",
                  "install it, or give its path in 'run:'");
}

// The step of a command asset or ingest resource.
std::string step_id_of(const AssetNode& a) {
  return a.kind == AssetKind::kIngest ? IngestStep::step_id(a.name) : CommandStep::step_id(a.name);
}

// The step ids of command assets and ingest resources of the run that a dbt node reads (through ephemeral
// models).
void command_parents(const AssetGraph& g, const project::Manifest& m, const Node& n,
                     const std::set<std::size_t>& in_run, std::set<std::string>& out, int depth = 0) {
  for (const auto& d : n.depends_on_nodes) {
    auto i = m.index_of(d);
    if (!i) continue;
    auto a = g.of_dbt_node(*i);
    if (a && (g.node(*a).kind == AssetKind::kCommand || g.node(*a).kind == AssetKind::kIngest)) {
      if (in_run.count(*a)) out.insert(step_id_of(g.node(*a)));
    } else if (!a && m.nodes[*i].resource_type == ResourceType::kModel && depth < 64) {
      command_parents(g, m, m.nodes[*i], in_run, out, depth + 1);
    }
  }
}

}  // namespace

RunResult execute_run(Workspace& ws, const RunRequest& req, exec::Cancellation& cancel, std::ostream& out) {
  const AssetGraph& g = ws.graph();
  const project::Manifest& manifest = ws.project().manifest;
  const project::TargetConfig& target = ws.project().resolved.target;
  std::set<std::size_t> in_run(req.assets.begin(), req.assets.end());
  std::map<std::string, const AssetNode*> by_key;
  std::vector<std::size_t> dbt_nodes;
  std::vector<const AssetNode*> commands;
  std::vector<const AssetNode*> ingests;
  bool needs_lake = false;
  for (std::size_t i : in_run) {
    const AssetNode& a = g.node(i);
    POND_ASSERT(a.materializable(), "runs materialize materializable assets");
    by_key[a.key] = &a;
    if (a.kind == AssetKind::kIngest) {
      ingests.push_back(&a);
      needs_lake = true;
      if (!target.lake)
        throw UserError(a.where,
                        "ingest resource '" + a.name + "' loads " + a.table + ", but target '" +
                            target.target_name + "' has no lake",
                        "add 'lake:' to the target in profiles.yml (ingestion writes lake tables)");
    } else if (a.kind == AssetKind::kCommand) {
      commands.push_back(&a);
      check_program(a, ws.root());
      if (a.command->produces) {
        needs_lake = true;
        if (!target.lake)
          throw UserError(a.command->produces->where,
                          "asset '" + a.name + "' produces " + a.table + ", but target '" +
                              target.target_name + "' has no lake",
                          "add 'lake:' to the target in profiles.yml (command assets write lake tables)");
      }
    } else {
      dbt_nodes.push_back(*a.dbt_index);
      dbt_nodes.insert(dbt_nodes.end(), a.tests.begin(), a.tests.end());
    }
  }
  std::sort(dbt_nodes.begin(), dbt_nodes.end());
  dbt_nodes.erase(std::unique(dbt_nodes.begin(), dbt_nodes.end()), dbt_nodes.end());

  RunContext rc;
  rc.run_id = req.run_id.empty() ? random_uuid() : req.run_id;
  if (!req.claimed) {
    RunRequest queued = req;
    queued.run_id = rc.run_id;
    if (!wait_in_queue(ws, queued, cancel, out)) return {rc.run_id, {}, 130};
  }
  // The run is ours (running) from here: if it fails before its steps start, it is an error,
  // not a run that stays "running" until its process is found gone.
  ScopeGuard unstarted([&] { ws.store().finish_run(rc.run_id, "error", iso_utc_now(), "{}"); });
  rc.project_root = ws.root();
  rc.run_dir = ws.root() / ".pond" / "runs" / rc.run_id;
  rc.partitions = req.partitions;
  rc.scope = req.scope;
  rc.pool_limits = ws.config().pools;
  rc.open_store = [&ws] { return ws.open_store(); };
  if (target.lake) rc.lake_config = dbt::lake_config(target);

  // The dbt part: the project loaded again with the partition's vars, compiled and planned.
  std::unique_ptr<dbt::RunSession> session;
  dbt::RunPlan plan;
  nlohmann::json vars = project::parse_cli_vars(req.vars);
  if (req.partitions) {
    for (const auto& [k, v] : partition_values(*req.partitions, req.scope)) vars[k] = v;
    nlohmann::json dims = nlohmann::json::object();
    for (const auto& [k, v] : partition_values(*req.partitions, req.scope))
      if (k.rfind("partition_key_", 0) == 0 && k != "partition_key_start" && k != "partition_key_end")
        dims[k.substr(14)] = v;
    if (!dims.empty()) vars["partition_keys"] = dims;
  }
  if (!dbt_nodes.empty()) {
    session = std::make_unique<dbt::RunSession>(
        ws.options(), dbt::SessionOptions{vars.dump(), "build", req.full_refresh, false});
    if (req.partitions && req.partitions->time()) {
      session->run_options().event_time_start =
          materialize::normalize_timestamp(TimeWindows::utc_text(req.scope.span.start), "partition start");
      session->run_options().event_time_end =
          materialize::normalize_timestamp(TimeWindows::utc_text(req.scope.span.end), "partition end");
    }
    plan = session->plan(dbt_nodes, dbt::PlanKinds{true, true, true, true});
    rc.lake = session->lake();
  }
  std::unique_ptr<engine::Database> own_db;
  std::unique_ptr<materialize::LakeTarget> own_lake;
  if (!session && needs_lake) {
    own_lake = std::make_unique<materialize::LakeTarget>(*rc.lake_config, target.database);
    own_db = std::make_unique<engine::Database>(engine::Database::open(":memory:"));
    materialize::prepare_memory_database(*own_db, target.database);
    rc.lake = own_lake.get();
  }
  engine::Database* db = session ? &session->database() : own_db.get();

  // One DAG: dbt steps wait for the command assets they read, command assets for the dbt nodes
  // they depend on (and, when blocking, their tests).
  std::map<std::string, std::vector<std::string>> tests_of;  // model unique id -> its test step ids
  for (exec::Step* s : plan.steps) {
    auto i = manifest.index_of(s->info().id);
    if (!i || manifest.nodes[*i].resource_type != ResourceType::kTest) continue;
    for (std::size_t a : in_run)
      for (std::size_t t : g.node(a).tests)
        if (t == *i) tests_of[manifest.nodes[*g.node(a).dbt_index].unique_id].push_back(s->info().id);
  }
  std::vector<std::unique_ptr<exec::Step>> owned;
  std::vector<exec::Step*> steps;
  for (exec::Step* s : plan.steps) {
    auto i = manifest.index_of(s->info().id);
    std::set<std::string> extra;
    const AssetNode* asset = nullptr;
    if (i) {
      command_parents(g, manifest, manifest.nodes[*i], in_run, extra);
      if (auto a = g.of_dbt_node(*i)) asset = &g.node(*a);
    }
    owned.push_back(std::make_unique<AssetStep>(*s, std::vector<std::string>(extra.begin(), extra.end()),
                                                asset, by_key, rc));
    steps.push_back(owned.back().get());
  }
  std::vector<std::unique_ptr<IngestStep>> ingest_steps;
  for (const AssetNode* a : ingests) {
    ingest_steps.push_back(std::make_unique<IngestStep>(*a, std::vector<std::string>{}, rc));
    owned.push_back(
        std::make_unique<AssetStep>(*ingest_steps.back(), std::vector<std::string>{}, a, by_key, rc));
    steps.push_back(owned.back().get());
  }
  std::vector<std::unique_ptr<CommandStep>> command_steps;
  for (const AssetNode* a : commands) {
    std::vector<std::string> deps;
    for (std::size_t p : a->parents) {
      if (!in_run.count(p)) continue;
      const AssetNode& parent = g.node(p);
      if (parent.kind == AssetKind::kCommand || parent.kind == AssetKind::kIngest) {
        deps.push_back(step_id_of(parent));
        continue;
      }
      const std::string& id = manifest.nodes[*parent.dbt_index].unique_id;
      deps.push_back(id);
      if (parent.blocking_checks)
        for (const auto& t : tests_of[id]) deps.push_back(t);
    }
    command_steps.push_back(std::make_unique<CommandStep>(*a, std::move(deps), rc));
    owned.push_back(
        std::make_unique<AssetStep>(*command_steps.back(), std::vector<std::string>{}, a, by_key, rc));
    steps.push_back(owned.back().get());
  }

  // How the run is recorded: its targets and tags when it starts; each finished step's
  // partitions (materialized or failed) with the step's rows.
  std::vector<runstore::RunTargetRecord> targets;
  for (const auto& [key, a] : by_key) {
    auto scope = scope_of(rc, a->partitions);
    targets.push_back({key, scope ? scope->list_key : "", scope ? scope->span.start : kUnit.start,
                       scope ? scope->span.end : kUnit.end});
  }
  auto hook = [&rc, &by_key](const exec::StepResult& r) -> std::function<void(runstore::RunStore&)> {
    std::vector<runstore::PartitionRangeRecord> ranges;
    auto range_of = [&](const AssetNode& a, const std::string& status) {
      auto scope = scope_of(rc, a.partitions);
      runstore::PartitionRangeRecord p;
      p.asset_key = a.key;
      p.list_key = scope ? scope->list_key : "";
      p.range_start = scope ? scope->span.start : kUnit.start;
      p.range_end = scope ? scope->span.end : kUnit.end;
      p.status = status;
      p.run_id = rc.run_id;
      p.ts = r.completed_at;
      p.code_version = a.code_version;
      ranges.push_back(std::move(p));
    };
    std::set<std::string> done;
    for (const auto& m : r.outcome.materializations)
      if (auto it = by_key.find(m.asset_key); it != by_key.end() && done.insert(m.asset_key).second)
        range_of(*it->second, "materialized");
    bool failed = r.outcome.status == exec::Status::kError || r.outcome.status == exec::Status::kFail ||
                  r.outcome.status == exec::Status::kPartialSuccess;
    if (failed)
      for (const auto& key : r.info->materializes)
        if (auto it = by_key.find(key); it != by_key.end() && !done.count(key))
          range_of(*it->second, "failed");
    if (ranges.empty()) return nullptr;
    return [ranges = std::move(ranges)](runstore::RunStore& s) {
      for (const auto& p : ranges) s.record_partition_range(p);
    };
  };

  dbt::InvocationOptions io;
  io.command = req.command;
  io.selection = req.selection;
  io.args_json = request_args(ws, req);
  io.target = target.target_name;
  io.store = &ws.store();
  io.run_id = rc.run_id;
  io.target_dir = manifest.project.root / manifest.project.target_path;
  io.executor.threads = req.threads.value_or(target.threads > 0 ? target.threads : 1);
  io.executor.fail_fast = req.fail_fast;
  io.executor.pool_limits = ws.config().pools;
  io.progress.json = ws.options().log_format == "json";
  io.progress.quiet = ws.options().quiet;
  io.progress.live = !io.progress.json && !io.progress.quiet && isatty(STDOUT_FILENO) != 0;
  io.on_run_start = plan.on_run_start;
  io.on_run_end = plan.on_run_end;
  io.trigger = req.trigger;
  io.parent_run_id = req.parent_run_id;
  io.write_run_results = !dbt_nodes.empty();
  io.in_run_results = [](const exec::StepInfo& info) { return dbt::node_info(info) != nullptr; };
  io.on_started = [&](runstore::RunStore& s, const std::string& id) {
    s.record_run_targets(id, targets);
    s.set_run_tags(id, req.tags);
  };
  io.on_recorder = [&](runstore::RunRecorder& recorder) {
    recorder.set_step_hook(hook);
    rc.event = [&recorder](runstore::EventRecord e) { recorder.record_event(std::move(e)); };
  };
  dbt::GlobalOptions options = ws.options();
  dbt::TaskContext ctx{options, cancel};
  CancelWatch watch(ws.open_store(), rc.run_id, cancel);
  unstarted.dismiss();  // run_interruptible records the run's outcome whatever happens
  dbt::InvocationResult r = dbt::run_interruptible(ctx, db, steps, io, out);
  rc.event = nullptr;
  return {r.run_id, std::move(r.outcome), r.exit_code};
}

}  // namespace pond::orchestrate
