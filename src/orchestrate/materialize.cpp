#include "orchestrate/materialize.hpp"

#include <chrono>
#include <ostream>
#include <set>

#include "common/log.hpp"
#include "orchestrate/run_queue.hpp"
#include "orchestrate/select.hpp"

namespace pond::orchestrate {

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

}  // namespace

std::string name_list(const AssetGraph& g, const std::vector<std::size_t>& assets, std::size_t limit) {
  std::string s;
  for (std::size_t k = 0; k < assets.size() && k < limit; ++k)
    s += (s.empty() ? "" : ", ") + g.node(assets[k]).name;
  if (assets.size() > limit) s += ", ... (" + std::to_string(assets.size() - limit) + " more)";
  return s;
}

std::vector<RunRequest> plan_materialize(const Workspace& ws, const MaterializeOptions& o, EpochSeconds now) {
  const AssetGraph& g = ws.graph();
  std::vector<std::size_t> picked;
  for (std::size_t i : select_assets(g, o.select, o.exclude))
    if (g.node(i).materializable()) picked.push_back(i);
  if (picked.empty())
    throw UserError(o.select.empty()
                        ? "the project has no asset to materialize"
                        : "the selection '" + joined(o.select) + "' picks no asset to materialize",
                    "sources are external assets; select models, seeds, snapshots or command assets");
  std::string selection = joined(o.select);
  if (!o.exclude.empty()) selection += " --exclude " + joined(o.exclude);

  // Partitioned assets grouped by definition (same shape = one group), in graph order.
  std::vector<const PartitionsDefinition*> defs;
  std::map<std::size_t, int> group_of;  // asset -> index into defs (partitioned only)
  std::set<std::size_t> chosen(picked.begin(), picked.end());
  for (std::size_t i : g.topological_order()) {
    if (!chosen.count(i) || !g.node(i).partitions) continue;
    const PartitionsDefinition* d = g.node(i).partitions;
    int k = 0;
    while (k < static_cast<int>(defs.size()) && !defs[static_cast<std::size_t>(k)]->same_shape(*d)) ++k;
    if (k == static_cast<int>(defs.size())) defs.push_back(d);
    group_of[i] = k;
  }
  if ((o.partition || o.from) && defs.size() > 1) {
    std::string which;
    for (const auto* d : defs) which += (which.empty() ? "" : ", ") + d->name();
    throw UserError(
        "--partition/--from name partitions of one definition, but the selection has assets of " + which,
        "select the assets of one partitions definition with -s");
  }
  if ((o.partition || o.from) && defs.empty())
    throw UserError("--partition/--from given, but no selected asset is partitioned");

  // Unpartitioned assets run with the first group unless a partitioned ancestor is in a later one.
  std::map<std::size_t, int> run_of;
  for (std::size_t i : g.topological_order()) {
    if (!chosen.count(i)) continue;
    if (auto it = group_of.find(i); it != group_of.end()) {
      run_of[i] = it->second;
      continue;
    }
    int r = 0;
    for (std::size_t p : g.node(i).parents)
      if (auto it = run_of.find(p); it != run_of.end()) r = std::max(r, it->second);
    run_of[i] = r;
  }
  for (std::size_t i : picked)
    for (std::size_t p : g.node(i).parents)
      if (run_of.count(p) && run_of[p] > run_of[i])
        throw UserError(
            "the selection mixes partitions definitions in an order one run each cannot follow (" +
                g.node(p).name + " must run before " + g.node(i).name + ")",
            "materialize the assets of each partitions definition separately (-s)");

  auto base = [&](std::vector<std::size_t> assets) {
    RunRequest r;
    r.assets = std::move(assets);
    r.selection = selection;
    r.vars = o.vars;
    r.threads = o.threads;
    r.fail_fast = o.fail_fast;
    r.full_refresh = o.full_refresh;
    r.tags = o.tags;
    r.priority = priority_of(o.priority, o.tags);
    r.trigger = o.trigger;
    return r;
  };
  std::vector<RunRequest> runs;
  int groups = std::max<int>(1, static_cast<int>(defs.size()));
  for (int k = 0; k < groups; ++k) {
    std::vector<std::size_t> assets;
    for (std::size_t i : picked)
      if (run_of[i] == k) assets.push_back(i);
    if (defs.empty()) {
      runs.push_back(base(assets));
      continue;
    }
    const PartitionsDefinition* d = defs[static_cast<std::size_t>(k)];
    std::vector<PartitionScope> scopes;
    if (o.partition)
      scopes.push_back(d->parse_key(*o.partition, now));
    else if (o.from)
      scopes = d->parse_range(*o.from, o.to ? *o.to : *o.from, now);
    else
      scopes = d->latest(now);
    if (scopes.empty()) {
      std::vector<std::size_t> partitioned, rest;
      for (std::size_t i : assets) (group_of.count(i) ? partitioned : rest).push_back(i);
      log::warn("no partition of {} exists yet (its first window has not ended); not materialized: {}",
                d->name(), name_list(g, partitioned));
      if (!rest.empty()) runs.push_back(base(rest));
      continue;
    }
    for (std::size_t s = 0; s < scopes.size(); ++s) {
      // Unpartitioned assets go with the first scope only.
      std::vector<std::size_t> these;
      for (std::size_t i : assets)
        if (group_of.count(i) || s == 0) these.push_back(i);
      RunRequest r = base(these);
      r.partitions = d;
      r.scope = scopes[s];
      runs.push_back(std::move(r));
    }
  }
  return runs;
}

std::string submit_materialize(Workspace& ws, const MaterializeOptions& o, EpochSeconds now) {
  std::vector<RunRequest> runs = plan_materialize(ws, o, now);
  // A launcher takes queued runs in queue order, not one after another: runs that must follow
  // each other cannot be submitted together.
  if (runs.size() > 1)
    throw UserError("--submit queues one run, but this materialize needs " + std::to_string(runs.size()) +
                        " (partitions definitions or list keys)",
                    "submit the assets of one partitions definition and one partition key at a time");
  return submit_run(ws, runs.front());
}

int materialize(Workspace& ws, const MaterializeOptions& o, exec::Cancellation& cancel, std::ostream& out) {
  EpochSeconds now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (o.submit) {
    out << "Queued run " << submit_materialize(ws, o, now) << " (pond runs launch starts it)\n";
    return 0;
  }
  std::vector<RunRequest> runs = plan_materialize(ws, o, now);
  int worst = 0;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (cancel.requested()) return 130;
    RunRequest& r = runs[k];
    if (runs.size() > 1 || r.partitions)
      out << "Run " << (k + 1) << " of " << runs.size() << ": " << name_list(ws.graph(), r.assets)
          << (r.partitions ? " at " + r.partitions->name() + " " + describe_scope(*r.partitions, r.scope)
                           : "")
          << "\n";
    RunResult result = execute_run(ws, r, cancel, out);
    worst = std::max(worst, result.exit_code);
    if (result.exit_code == 130) return 130;
  }
  return worst;
}

}  // namespace pond::orchestrate
