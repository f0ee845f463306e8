#include "orchestrate/reexecute.hpp"

#include <ostream>
#include <set>

#include "common/error.hpp"
#include "dbt/project.hpp"
#include "orchestrate/command_step.hpp"
#include "orchestrate/ingest_step.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/run_request.hpp"

namespace pond::orchestrate {

namespace {

// The step ids that stand for an asset in a run: its own step and its checks (dbt tests).
std::vector<std::string> step_ids(const AssetGraph& g, const AssetNode& a) {
  if (a.kind == AssetKind::kCommand) return {CommandStep::step_id(a.name)};
  if (a.kind == AssetKind::kIngest) return {IngestStep::step_id(a.name)};
  const project::Manifest& m = *g.manifest();
  std::vector<std::string> ids{m.nodes[*a.dbt_index].unique_id};
  for (std::size_t t : a.tests) ids.push_back(m.nodes[t].unique_id);
  return ids;
}

}  // namespace

Reexecution plan_reexecute(Workspace& ws, const std::string& id, bool failed_only) {
  runstore::RunStore& store = ws.store();
  store.mark_crashed_runs();
  auto parent = store.find_run(id);
  if (!parent) throw UserError("no run '" + id + "'", "list the recent runs with: pond runs");
  if (parent->status == "queued" || parent->status == "running")
    throw UserError(
        "run " + parent->run_id + " is " + parent->status + "; re-execute it once it has finished",
        "or cancel it: pond runs cancel " + parent->run_id);
  Reexecution out;
  out.parent_run_id = parent->run_id;
  RunRequest req = request_of(ws, *parent);
  req.parent_run_id = parent->run_id;
  req.trigger = "reexecute";
  if (failed_only) {
    std::set<std::string> again;
    for (const auto& s : store.steps_to_retry(parent->run_id)) again.insert(s.step_key);
    // A run cancelled or crashed while queued never recorded its steps: all of it is to do.
    bool never_started = store.steps_of(parent->run_id).empty();
    std::vector<std::size_t> keep;
    for (std::size_t i : req.assets) {
      bool redo = never_started;
      for (const auto& s : step_ids(ws.graph(), ws.graph().node(i))) redo = redo || again.count(s);
      if (redo) keep.push_back(i);
    }
    if (keep.empty()) {
      out.message =
          "run " + parent->run_id + " has no failed, skipped or unfinished step: nothing to re-execute";
      return out;
    }
    req.assets = std::move(keep);
  }
  out.message = "Re-executing run " + parent->run_id + (failed_only ? " (failed and skipped assets)" : "") +
                ": " + name_list(ws.graph(), req.assets);
  out.request = std::move(req);
  return out;
}

int reexecute_run(Workspace& ws, const std::string& id, bool failed_only, exec::Cancellation& cancel,
                  std::ostream& out) {
  Reexecution plan = plan_reexecute(ws, id, failed_only);
  if (!plan.request) {
    std::string m = plan.message;
    m[0] = 'R';
    out << m << "\n";
    return 0;
  }
  out << plan.message << "\n";
  return execute_run(ws, *plan.request, cancel, out).exit_code;
}

}  // namespace pond::orchestrate
