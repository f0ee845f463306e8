#include "automation/automation_evaluator.hpp"

#include <algorithm>
#include <ostream>
#include <set>
#include <tuple>

#include "automation/conditions.hpp"
#include "automation/schedule_evaluator.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/run_request.hpp"
#include "orchestrate/select.hpp"
#include "orchestrate/status.hpp"

namespace pond::automation {

namespace {

using orchestrate::PartitionSubset;

std::optional<EpochSeconds> cursor_time(const runstore::AutomationState& s) {
  if (!s.cursor || s.cursor->empty()) return std::nullopt;
  try {
    return std::stoll(*s.cursor);
  } catch (const std::exception&) {
    throw std::runtime_error("the run store's on_cron cursor is not a time: '" + *s.cursor + "'");
  }
}

// Asset key -> partitions of the runs running (their recorded targets) or queued (their requests).
std::map<std::string, PartitionSubset> runs_in_progress(orchestrate::Workspace& ws,
                                                        const orchestrate::StoreSnapshot& snapshot) {
  std::map<std::string, PartitionSubset> out;
  for (const auto& [key, targets] : snapshot.running)
    for (const auto& t : targets) out[key][t.list_key].add(t.range_start, t.range_end);
  for (const auto& q : ws.store().queued_runs()) {
    try {
      orchestrate::RunRequest r = orchestrate::request_of(ws, q.run);
      for (std::size_t i : r.assets)
        out[ws.graph().node(i).key][r.scope.list_key].add(r.scope.span.start, r.scope.span.end);
    } catch (const UserError&) {
      // A queued dbt command (pond build --submit) or a run of assets the project no longer has:
      // it holds back no asset.
    }
  }
  return out;
}

// One run per partitions definition, list key and contiguous stretch the verdicts request;
// unpartitioned assets together.
std::vector<orchestrate::RunRequest> plan_runs(const orchestrate::Workspace& ws,
                                               const std::vector<Verdict>& verdicts, EpochSeconds now) {
  const auto& g = ws.graph();
  std::map<std::size_t, std::size_t> position;
  for (std::size_t k = 0; k < g.topological_order().size(); ++k) position[g.topological_order()[k]] = k;
  using Key = std::tuple<std::size_t, const orchestrate::PartitionsDefinition*, std::string, std::int64_t,
                         std::int64_t>;
  std::map<Key, std::vector<std::size_t>> groups;
  std::map<std::tuple<const orchestrate::PartitionsDefinition*, std::string, std::int64_t, std::int64_t>,
           std::size_t>
      first;  // the group's order: its first asset's topological position
  for (const Verdict& v : verdicts) {
    if (!v.requested) continue;
    const auto* def = g.node(v.asset).partitions;
    for (const auto& [list_key, set] : v.partitions)
      for (const auto& iv : set.parts()) {
        auto id = std::make_tuple(def, list_key, iv.start, iv.end);
        auto [it, fresh] = first.emplace(id, position[v.asset]);
        if (!fresh) it->second = std::min(it->second, position[v.asset]);
      }
  }
  for (const Verdict& v : verdicts) {
    if (!v.requested) continue;
    const auto* def = g.node(v.asset).partitions;
    for (const auto& [list_key, set] : v.partitions)
      for (const auto& iv : set.parts())
        groups[{first[std::make_tuple(def, list_key, iv.start, iv.end)], def, list_key, iv.start, iv.end}]
            .push_back(v.asset);
  }
  std::vector<orchestrate::RunRequest> runs;
  for (auto& [key, assets] : groups) {
    std::sort(assets.begin(), assets.end(),
              [&](std::size_t a, std::size_t b) { return position[a] < position[b]; });
    orchestrate::RunRequest r;
    r.assets = assets;
    r.partitions = std::get<1>(key);
    r.scope = {std::get<2>(key), {std::get<3>(key), std::get<4>(key)}};
    for (std::size_t i : assets) r.selection += (r.selection.empty() ? "" : " ") + g.node(i).name;
    r.trigger = "automation";
    r.tags = {{"pond/automation", utc_minute_text(now)}};
    r.run_id = random_uuid();
    runs.push_back(std::move(r));
  }
  return runs;
}

}  // namespace

std::string automation_source(const std::string& asset_key) {
  return std::string(kAutomationSource) + ":" + asset_key;
}

std::vector<AutomatedAsset> automated_assets(const orchestrate::Workspace& ws) {
  const auto& g = ws.graph();
  std::map<std::size_t, const orchestrate::AutomationConfig*> by_asset;
  auto take = [&](std::size_t i, const orchestrate::AutomationConfig& c) {
    auto [it, fresh] = by_asset.emplace(i, &c);
    if (!fresh)
      throw UserError(
          c.where,
          "asset '" + g.node(i).name + "' is automated twice (also at " + it->second->where.to_string() + ")",
          "give each asset one automation: narrow a block's select: or add exclude:");
    const auto* def = g.node(i).partitions;
    if (c.latest_time_window_only && (!def || !def->time()))
      throw UserError(c.where,
                      "latest_time_window_only: asset '" + g.node(i).name + "' has no time-window partitions",
                      "use it on assets partitioned by hourly, daily, weekly, monthly or cron partitions");
  };
  for (std::size_t i = 0; i < g.size(); ++i)
    if (const auto* cmd = g.node(i).command; cmd && cmd->automation) take(i, *cmd->automation);
  for (const auto& block : ws.config().automation) {
    std::size_t n = 0;
    for (std::size_t i : orchestrate::select_assets(g, block.select, block.exclude)) {
      if (!g.node(i).materializable()) continue;
      take(i, block);
      ++n;
    }
    if (n == 0)
      throw UserError(block.where, "this automation block selects no asset to materialize",
                      "select models, seeds, snapshots, command assets or ingest resources");
  }
  std::vector<AutomatedAsset> out;
  for (std::size_t i : g.topological_order())
    if (auto it = by_asset.find(i); it != by_asset.end()) out.push_back({i, it->second});
  return out;
}

AutomationEvaluator::AutomationEvaluator(const orchestrate::Workspace& ws) : assets_(automated_assets(ws)) {}

std::optional<EpochSeconds> AutomationEvaluator::next_cron_tick(EpochSeconds now) const {
  std::optional<EpochSeconds> next;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& a : assets_) {
    if (a.config->on_cron.empty() || !seen.insert({a.config->on_cron, a.config->timezone}).second) continue;
    if (auto t = ScheduleTicks(a.config->on_cron, a.config->timezone).next_after(now))
      next = next ? std::min(*next, *t) : *t;
  }
  return next;
}

int AutomationEvaluator::evaluate(orchestrate::Workspace& ws, EpochSeconds now, std::ostream& out) {
  if (assets_.empty()) return 0;
  runstore::RunStore& store = ws.store();
  const auto& g = ws.graph();
  if (!last_) last_ = store.latest_automation_evaluations();
  if (snapshot_)
    snapshot_->refresh(store);
  else
    snapshot_ = orchestrate::StoreSnapshot::read(store);
  const orchestrate::StoreSnapshot& snapshot = *snapshot_;
  const auto progress = runs_in_progress(ws, snapshot);
  CronMemo cron_memo;
  const auto ranges_index = index_ranges(g, snapshot);
  const auto progress_index = index_progress(g, progress);
  ConditionInputs in{g, snapshot, progress, now, &cron_memo, &ranges_index, &progress_index};
  std::vector<Verdict> verdicts;
  std::map<std::string, std::string> cursors{{kAutomationSource, std::to_string(now)}};
  for (const auto& a : assets_) {
    std::optional<EpochSeconds> cron_cursor;
    if (!a.config->on_cron.empty()) {
      const std::string source = automation_source(g.node(a.asset).key);
      auto it = cron_cursors_.find(source);
      if (it == cron_cursors_.end())
        it = cron_cursors_.emplace(source, cursor_time(store.automation_state(source))).first;
      cron_cursor = it->second;
    }
    Verdict v = evaluate_conditions(in, a.asset, *a.config, cron_cursor);
    if (v.cron_cursor) cursors[automation_source(g.node(a.asset).key)] = std::to_string(*v.cron_cursor);
    verdicts.push_back(std::move(v));
  }
  runstore::TickRecord tick{kAutomationSource, now, "submitted", {}, "", ""};
  std::vector<runstore::QueuedRun> runs;
  std::vector<orchestrate::RunRequest> requests;
  try {
    requests = plan_runs(ws, verdicts, now);
    for (const auto& r : requests) runs.push_back({orchestrate::request_record(ws, r), r.tags});
  } catch (const UserError& e) {
    // A run that cannot be queued fails the tick (recorded with its reason); the daemon goes on.
    tick.status = "failed";
    tick.reason = e.message();
    runs.clear();
    requests.clear();
  }
  std::vector<runstore::AutomationEvaluation> evaluations;
  int requested = 0;
  for (const Verdict& v : verdicts) {
    const auto& node = g.node(v.asset);
    runstore::AutomationEvaluation e;
    e.asset_key = node.key;
    e.tick_at = now;
    e.requested = v.requested && tick.status == "submitted";
    e.condition = v.requested ? v.condition : "";
    e.reason = v.requested && tick.status != "submitted" ? "could not queue: " + tick.reason + "; " + v.reason
                                                         : v.reason;
    if (v.requested && node.partitions) {
      std::string parts;
      for (const auto& [k, set] : v.partitions)
        for (const auto& iv : set.parts())
          parts += (parts.empty() ? "" : ", ") + orchestrate::describe_scope(*node.partitions, {k, iv});
      e.partitions = parts;
    }
    for (std::size_t k = 0; k < requests.size(); ++k)
      if (std::find(requests[k].assets.begin(), requests[k].assets.end(), v.asset) !=
              requests[k].assets.end() &&
          e.requested)
        e.run_ids.push_back(runs[k].run.run_id);
    requested += e.requested ? 1 : 0;
    auto last = last_->find(e.asset_key);
    if (!e.requested && last != last_->end() && !last->second.requested && last->second.reason == e.reason)
      continue;
    evaluations.push_back(std::move(e));
  }
  if (evaluations.empty() && cursors.size() == 1) {
    store.set_automation_cursor(kAutomationSource, std::to_string(now));
    return 0;
  }
  tick.reason = std::to_string(requested) + " asset(s) requested, " + std::to_string(runs.size()) + " run(s)";
  if (!store.record_automation_tick(tick, runs, evaluations, cursors)) {
    log::warn("automation: the tick at {} was recorded already (another daemon?); not run again",
              utc_minute_text(now));
    last_.reset();
    snapshot_.reset();
    cron_cursors_.clear();
    return 0;
  }
  for (const auto& [source, value] : cursors)
    if (source != kAutomationSource) cron_cursors_[source] = std::stoll(value);
  for (auto& e : evaluations) (*last_)[e.asset_key] = e;
  for (std::size_t k = 0; k < runs.size(); ++k)
    out << "Automation tick " << utc_minute_text(now) << ": run " << runs[k].run.run_id << " of "
        << requests[k].selection
        << (requests[k].partitions
                ? " (" + orchestrate::describe_scope(*requests[k].partitions, requests[k].scope) + ")"
                : std::string())
        << std::endl;
  if (tick.status == "failed")
    out << "Automation tick " << utc_minute_text(now) << ": failed: " << tick.reason << std::endl;
  return static_cast<int>(runs.size());
}

}  // namespace pond::automation
