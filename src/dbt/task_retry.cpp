// `pond retry`: re-runs what failed, errored or was skipped in the last run/build/seed/test/
// snapshot, with that invocation's command and flags (dbt retry). The run store says what
// happened; without it (a fresh clone, a deleted .pond/) target/run_results.json does, as in dbt.
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "dbt/run_task.hpp"
#include "dbt/target.hpp"
#include "dbt/tasks.hpp"
#include "lake/lake.hpp"
#include "materialize/microbatch_window.hpp"
#include "project/project_file.hpp"
#include "project/project_locator.hpp"
#include "runstore/run_store.hpp"

namespace pond::dbt {

namespace {

using nlohmann::json;

// What the previous invocation was and which of its nodes to run again.
struct PreviousRun {
  std::string run_id;
  std::string command;
  std::string status;
  json args = json::object();
  std::vector<std::string> to_retry;  // unique ids, in the order they ran
  std::vector<std::string> partial;   // microbatch models with status partial success
  std::map<std::string, std::vector<materialize::BatchWindow>> failed_batches;  // of those
};

// dbt's retryable statuses (RETRYABLE_STATUSES), plus steps the store saw start but never end.
bool retryable(const std::string& status) {
  static const std::set<std::string> kStatuses{"error",         "fail",    "skipped", "partial success",
                                               "runtime error", "running", "pending"};
  return kStatuses.count(status) > 0;
}

const std::vector<std::string>& retryable_commands() {
  static const std::vector<std::string> kCommands{"run", "build", "seed", "test", "snapshot"};
  return kCommands;
}

json parse_args(const std::string& text) {
  if (text.empty()) return json::object();
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

// A run that did not finish (its process died) may have committed steps to the lake that its
// records do not show yet: the lake's commits name their run and step, so each step whose last
// commit was its whole work is recorded as the success it was, and is not run again (an
// incremental append retried would append twice).
void reconcile_with_lake(runstore::RunStore& store, const runstore::RunRecord& run,
                         const GlobalOptions& options) {
  ResolvedProject resolved = resolve_project(options);
  if (!resolved.target.lake) return;
  lake::Lake lake = lake::Lake::open(lake_config(resolved.target), false);
  std::map<std::string, std::pair<std::int64_t, bool>> last;  // step -> (snapshot, partial)
  for (const auto& [snapshot, info] : lake.snapshots_with_info("\"pond_run\":\"" + run.run_id + "\"")) {
    json j = json::parse(info, nullptr, false);
    if (!j.is_object() || !j.contains("step")) continue;
    last[j.value("step", std::string())] = {snapshot, j.value("partial", false)};
  }
  for (auto s : store.steps_to_retry(run.run_id)) {
    auto it = last.find(s.step_key);
    if (it == last.end() || it->second.second || s.status == "error" || s.status == "fail") continue;
    log::info("{} committed lake snapshot {} before run {} stopped: recorded as done", s.step_key,
              it->second.first, run.run_id.substr(0, 8));
    s.status = "success";
    s.message =
        "committed (lake snapshot " + std::to_string(it->second.first) + ") before the run's process died";
    s.lake_snapshot = it->second.first;
    s.finished_at = run.heartbeat_at;
    store.transaction([&] {
      store.record_step(s);
      runstore::MaterializationRecord m;
      m.asset_key = s.relation.empty() ? s.step_key : s.relation;
      m.run_id = run.run_id;
      m.step_key = s.step_key;
      m.ts = run.heartbeat_at;
      m.snapshot_id = it->second.first;
      store.record_materialization(m);
    });
  }
}

std::optional<PreviousRun> from_store(const std::filesystem::path& state_path, const GlobalOptions& options) {
  if (!std::filesystem::exists(state_path)) return std::nullopt;
  runstore::RunStore store = runstore::RunStore::open(state_path);
  store.mark_crashed_runs();
  auto run = store.last_run(retryable_commands());
  if (!run) return std::nullopt;
  if (run->status == "crashed") reconcile_with_lake(store, *run, options);
  PreviousRun prev{run->run_id, run->command, run->status, parse_args(run->args_json), {}};
  for (const auto& s : store.steps_to_retry(run->run_id)) {
    prev.to_retry.push_back(s.step_key);
    if (s.status == "partial success") prev.partial.push_back(s.step_key);
  }
  return prev;
}

std::optional<PreviousRun> from_run_results(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  json doc = json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("results")) {
    throw UserError(path.string() + " is not a run_results.json", "delete it, then run the command again");
  }
  PreviousRun prev;
  prev.args = doc.value("args", json::object());
  prev.command = prev.args.value("which", std::string());
  prev.run_id = doc.value("metadata", json::object()).value("invocation_id", std::string());
  for (const auto& r : doc["results"]) {
    std::string status = r.value("status", std::string());
    if (retryable(status)) prev.to_retry.push_back(r.value("unique_id", std::string()));
    if (status == "partial success") prev.partial.push_back(r.value("unique_id", std::string()));
  }
  prev.status = prev.to_retry.empty() ? "success" : "error";
  return prev;
}

// dbt's batch_results.failed of each partial success in run_results.json, when that file is
// the previous run's (its invocation_id is the run id): `pond retry` then runs only those
// batches, as dbt retry does. Without it the model's batches are planned again.
void add_failed_batches(PreviousRun& prev, const std::filesystem::path& path) {
  if (prev.partial.empty()) return;
  std::ifstream in(path);
  json doc = in ? json::parse(in, nullptr, false) : json();
  bool same_run = doc.is_object() &&
                  doc.value("metadata", json::object()).value("invocation_id", std::string()) == prev.run_id;
  if (same_run) {
    for (const auto& r : doc.value("results", json::array())) {
      if (r.value("status", std::string()) != "partial success") continue;
      const json& br = r.contains("batch_results") ? r["batch_results"] : json();
      if (!br.is_object() || !br.contains("failed") || !br["failed"].is_array()) continue;
      std::vector<materialize::BatchWindow> windows;
      for (const auto& w : br["failed"]) {
        if (!w.is_array() || w.size() != 2 || !w[0].is_string() || !w[1].is_string()) continue;
        windows.push_back({materialize::normalize_timestamp(w[0].get<std::string>(), "batch_results"),
                           materialize::normalize_timestamp(w[1].get<std::string>(), "batch_results")});
      }
      if (!windows.empty()) prev.failed_batches[r.value("unique_id", std::string())] = std::move(windows);
    }
  }
  for (const auto& id : prev.partial) {
    if (!prev.failed_batches.count(id))
      log::warn("{}: the failed batches of run {} are not in {}; retrying all of its batches", id,
                prev.run_id.substr(0, 8), path.string());
  }
}

std::vector<std::string> strings(const json& args, const char* key) {
  std::vector<std::string> out;
  auto it = args.find(key);
  if (it == args.end()) return out;
  if (it->is_string() && !it->get<std::string>().empty()) out.push_back(it->get<std::string>());
  if (it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// The previous invocation's flags (written by run_command.cpp, or dbt's own "args").
ExecOptions options_from(const json& args) {
  ExecOptions o;
  o.selection.select = strings(args, "select");
  o.selection.exclude = strings(args, "exclude");
  o.selection.resource_types = strings(args, "resource_types");
  if (auto s = args.value("selector", std::string()); !s.empty()) o.selection.selector = s;
  if (auto v = args.find("vars"); v != args.end()) {
    if (v->is_string()) o.vars = v->get<std::string>();
    if (v->is_object() && !v->empty()) o.vars = v->dump();  // JSON is YAML
  }
  o.full_refresh = args.value("full_refresh", false);
  o.fail_fast = args.value("fail_fast", false);
  o.empty = args.value("empty", false);
  o.store_failures = args.value("store_failures", false);
  if (auto t = args.find("threads"); t != args.end() && t->is_number_integer()) o.threads = t->get<int>();
  if (auto s = args.value("event_time_start", std::string()); !s.empty()) o.event_time_start = s;
  if (auto s = args.value("event_time_end", std::string()); !s.empty()) o.event_time_end = s;
  return o;
}

}  // namespace

int retry_task(TaskContext& ctx, const RetryOptions& options, std::ostream& out) {
  project::ProjectFile project = load_project_file(ctx.options);
  const std::filesystem::path root = project.root;
  std::filesystem::path results = root / project.target_path / "run_results.json";

  std::optional<PreviousRun> prev = from_store(root / ".pond" / "state.db", ctx.options);
  if (!prev) prev = from_run_results(results);
  if (!prev) {
    throw UserError("there is no previous run to retry (no run in .pond/state.db, no " +
                        (std::filesystem::path(project.target_path) / "run_results.json").string() + ")",
                    "run `pond run` or `pond build` first");
  }
  std::optional<PlanKinds> kinds = kinds_of_command(prev->command);
  if (!kinds) {
    throw UserError(fmt::format("the previous invocation ('{}') cannot be retried", prev->command),
                    "pond retry repeats run, build, seed, test or snapshot");
  }
  std::string short_id = prev->run_id.substr(0, 8);
  if (prev->to_retry.empty()) {
    log::info("Nothing to retry: the last invocation (pond {}, run {}) {}.", prev->command, short_id,
              prev->status == "running" ? "is still running or was stopped before any step" : "succeeded");
    return 0;
  }
  if (prev->status == "running" || prev->status == "crashed") {
    log::warn(
        "run {} did not finish ({}); retrying every step it did not finish, those that never started "
        "included",
        short_id, prev->status == "crashed" ? "its process died" : "it is still running");
  }
  log::info("Retrying {} node{} of run {} (pond {})", prev->to_retry.size(),
            prev->to_retry.size() == 1 ? "" : "s", short_id, prev->command);
  add_failed_batches(*prev, results);
  ExecOptions exec = options_from(prev->args);
  if (options.threads) exec.threads = options.threads;
  RetryScope scope{prev->to_retry, prev->run_id, prev->failed_batches};
  return run_project_command(ctx, exec, prev->command, *kinds, &scope, out);
}

}  // namespace pond::dbt
