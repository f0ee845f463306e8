#include "orchestrate/backfill.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "common/error.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/run.hpp"
#include "orchestrate/select.hpp"

namespace pond::orchestrate {

namespace {

EpochSeconds now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Partitions per run: 1 (per-partition), N (batch:N), 0 (single-run: each stretch whole).
std::int64_t batch_size(const std::string& policy) {
  if (policy == "per-partition") return 1;
  if (policy == "single-run") return 0;
  if (policy.starts_with("batch:")) {
    std::string n = policy.substr(6);
    if (!n.empty() && n.size() < 10 &&
        std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
      if (std::int64_t v = std::stoll(n); v > 0) return v;
  }
  throw UserError("--policy '" + policy + "' is not a backfill policy",
                  "use per-partition, batch:N (N partitions per run, N >= 1) or single-run");
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

// The partitions of one asset the mode asks for, within `wanted`.
PartitionSubset needed_of(const AssetNode& a, const std::string& mode, const PartitionSubset& wanted,
                          const StoreSnapshot& store) {
  static const std::vector<runstore::PartitionRangeRecord> kNone;
  auto it = store.ranges.find(a.key);
  const auto& ranges = it == store.ranges.end() ? kNone : it->second;
  PartitionSubset out;
  if (mode == "all") return wanted;
  PartitionSubset rec = recorded(ranges, mode == "failed" ? "failed" : "materialized");
  for (const auto& [list_key, set] : wanted) {
    IntervalSet s = set;
    auto r = rec.find(list_key);
    if (mode == "failed")
      s = r == rec.end() ? IntervalSet{} : s.intersect(r->second);
    else if (r != rec.end())
      s.subtract(r->second);
    if (!s.empty()) out[list_key] = std::move(s);
  }
  return out;
}

}  // namespace

BackfillPlan plan_backfill(const AssetGraph& g, const BackfillOptions& o, const StoreSnapshot& store,
                           EpochSeconds now) {
  if (o.mode != "missing" && o.mode != "failed" && o.mode != "all")
    throw UserError("--mode '" + o.mode + "' is not a backfill mode",
                    "use missing (not materialized, failed included), failed (last attempt failed) or all");
  std::int64_t batch = batch_size(o.policy);
  BackfillPlan plan;
  plan.selection = joined(o.select);
  if (!o.exclude.empty()) plan.selection += " --exclude " + joined(o.exclude);
  std::vector<std::string> unpartitioned;
  std::set<std::size_t> picked;
  for (std::size_t i : select_assets(g, o.select, o.exclude)) {
    const AssetNode& a = g.node(i);
    if (!a.materializable()) continue;
    if (!a.partitions) {
      unpartitioned.push_back(a.name);
      continue;
    }
    if (!plan.definition) plan.definition = a.partitions;
    if (!plan.definition->same_shape(*a.partitions))
      throw UserError("a backfill covers the partitions of one definition, but the selection has assets of " +
                          plan.definition->name() + " and " + a.partitions->name(),
                      "select the assets of one partitions definition with -s");
    picked.insert(i);
  }
  if (!unpartitioned.empty())
    throw UserError("a backfill runs partitioned assets, but the selection has assets without partitions: " +
                        joined(unpartitioned),
                    "leave them out (--exclude), or run them with pond materialize");
  if (picked.empty())
    throw UserError("the selection '" + plan.selection + "' picks no asset to backfill",
                    "select partitioned models or command assets with -s");
  for (std::size_t i : g.topological_order())
    if (picked.count(i)) plan.assets.push_back(i);

  const PartitionsDefinition& def = *plan.definition;
  PartitionSubset wanted;
  for (const auto& scope : def.parse_range(o.from, o.to, now))
    wanted[scope.list_key].add(scope.span.start, scope.span.end);
  // An asset runs where the mode asks, and where a selected upstream asset (identity-mapped,
  // same partitions) runs: its input changes there (a failed upstream left it skipped).
  std::vector<PartitionSubset> needed;
  std::map<std::size_t, std::size_t> slot;
  for (std::size_t i : plan.assets) {
    PartitionSubset n = needed_of(g.node(i), o.mode, wanted, store);
    const AssetNode& a = g.node(i);
    for (std::size_t k = 0; k < a.parents.size(); ++k) {
      auto it = slot.find(a.parents[k]);
      auto type = k < a.mappings.size() ? a.mappings[k].type : MappingConfig::Type::kDefault;
      if (it == slot.end() ||
          (type != MappingConfig::Type::kDefault && type != MappingConfig::Type::kIdentity))
        continue;
      for (const auto& [list_key, set] : needed[it->second]) n[list_key].add(set);
    }
    slot[i] = needed.size();
    needed.push_back(std::move(n));
  }

  // Per list key, stretches in which the same assets need every partition; each is one run
  // (single-run) or cut into runs of `batch` partitions. No run includes a partition an asset
  // does not need: a partition that succeeded is never materialized again.
  for (const auto& [list_key, all] : wanted) {
    std::set<std::int64_t> cuts;
    for (const auto& n : needed)
      if (auto it = n.find(list_key); it != n.end())
        for (const auto& part : it->second.parts()) {
          cuts.insert(part.start);
          cuts.insert(part.end);
        }
    std::vector<std::int64_t> points(cuts.begin(), cuts.end());
    std::optional<Interval> open;
    std::vector<std::size_t> open_assets;
    auto close = [&] {
      if (!open) return;
      PartitionScope whole{list_key, *open};
      for (const auto& scope : def.chunk(whole, batch)) {
        BackfillChunk c{scope, open_assets, def.count_span(scope.span)};
        plan.asset_partitions += c.partitions * static_cast<std::int64_t>(c.assets.size());
        plan.chunks.push_back(std::move(c));
      }
      open.reset();
    };
    for (std::size_t k = 0; k + 1 < points.size(); ++k) {
      Interval seg{points[k], points[k + 1]};
      std::vector<std::size_t> these;
      for (std::size_t a = 0; a < plan.assets.size(); ++a)
        if (auto it = needed[a].find(list_key);
            it != needed[a].end() && it->second.contains(seg.start, seg.end))
          these.push_back(plan.assets[a]);
      if (open && (these != open_assets || open->end != seg.start)) close();
      if (these.empty()) continue;
      if (open) {
        open->end = seg.end;
      } else {
        open = seg;
        open_assets = these;
      }
    }
    close();
  }
  if (o.reverse) std::reverse(plan.chunks.begin(), plan.chunks.end());
  return plan;
}

namespace {

void print_plan(const AssetGraph& g, const BackfillPlan& plan, const BackfillOptions& o, std::ostream& out) {
  const PartitionsDefinition& def = *plan.definition;
  std::int64_t steps = 0;
  for (const auto& c : plan.chunks) steps += static_cast<std::int64_t>(c.assets.size());
  out << "Backfill of " << name_list(g, plan.assets) << " (" << def.name() << ") from " << o.from << " to "
      << o.to << ", mode " << o.mode << ", policy " << o.policy << ": " << plan.chunks.size() << " run"
      << (plan.chunks.size() == 1 ? "" : "s") << ", " << plan.asset_partitions << " asset partition"
      << (plan.asset_partitions == 1 ? "" : "s") << ", " << steps << " asset step" << (steps == 1 ? "" : "s")
      << "\n";
  constexpr std::size_t kShown = 50;
  for (std::size_t k = 0; k < plan.chunks.size() && k < kShown; ++k) {
    const auto& c = plan.chunks[k];
    out << "  run " << (k + 1) << ": " << describe_scope(def, c.scope) << " (" << c.partitions << " partition"
        << (c.partitions == 1 ? "" : "s") << "): " << name_list(g, c.assets) << "\n";
  }
  if (plan.chunks.size() > kShown) out << "  ... (" << plan.chunks.size() - kShown << " more runs)\n";
}

// The assets of a planned run still to materialize: those that no run of this backfill (an
// interrupted one) materialized over the whole scope.
std::vector<std::size_t> still_needed(Workspace& ws, const runstore::BackfillRunRecord& row,
                                      const std::vector<std::size_t>& assets,
                                      const std::set<std::string>& backfill_runs) {
  std::vector<std::size_t> out;
  for (std::size_t i : assets) {
    IntervalSet done;
    for (const auto& r : ws.store().partition_ranges_of(ws.graph().node(i).key))
      if (r.list_key == row.list_key && r.status == "materialized" && backfill_runs.count(r.run_id))
        done.add(r.range_start, r.range_end);
    if (!done.contains(row.range_start, row.range_end)) out.push_back(i);
  }
  return out;
}

// Runs what is left of a recorded backfill, in order.
int run_backfill(Workspace& ws, const std::string& id, exec::Cancellation& cancel, std::ostream& out) {
  runstore::RunStore& store = ws.store();
  const AssetGraph& g = ws.graph();
  auto b = store.find_backfill(id);
  if (!b) throw InternalError("backfill " + id + " vanished from the run store");
  const PartitionsDefinition* def = g.partitions(b->partitions);
  if (!def)
    throw UserError(
        "backfill " + id + " covers partitions '" + b->partitions + "', which pond.yml no longer defines",
        "restore the definition, or start a new backfill");
  nlohmann::json args = nlohmann::json::parse(b->args_json, nullptr, false);
  if (!args.is_object()) args = nlohmann::json::object();
  auto rows = store.backfill_runs(id);
  std::set<std::string> run_ids;
  for (const auto& r : rows)
    if (!r.run_id.empty()) run_ids.insert(r.run_id);
  // A run of an earlier process that finished although the backfill did not record it.
  for (auto& r : rows)
    if (r.status == "running" && !r.run_id.empty())
      if (auto run = store.find_run(r.run_id); run && run->status == "success") {
        store.set_backfill_run(id, r.seq, "success", r.run_id);
        r.status = "success";
      }
  std::size_t total = rows.size(), k = 0;
  int worst = 0;
  for (auto& row : rows) {
    ++k;
    if (row.status == "success" || row.status == "failed") {
      if (row.status == "failed") worst = std::max(worst, 1);
      continue;
    }
    auto now_b = store.find_backfill(id);
    if (cancel.requested() || (now_b && now_b->cancel_requested)) {
      store.finish_backfill(id, "cancelled");
      out << "Backfill " << id << " cancelled; `pond backfill resume " << id
          << "` goes on with what is left\n";
      return 130;
    }
    std::vector<std::size_t> assets;
    nlohmann::json keys = nlohmann::json::parse(row.assets_json, nullptr, false);
    for (const auto& key : keys.is_array() ? keys : nlohmann::json::array()) {
      auto i = g.find(key.get<std::string>());
      if (!i)
        throw UserError("backfill " + id + " runs asset '" + key.get<std::string>() +
                            "', which the project no longer has",
                        "restore it, or start a new backfill");
      assets.push_back(*i);
    }
    PartitionScope scope{row.list_key, {row.range_start, row.range_end}};
    assets = still_needed(ws, row, assets, run_ids);
    if (assets.empty()) {
      store.set_backfill_run(id, row.seq, "success", row.run_id);
      continue;
    }
    RunRequest req;
    req.assets = assets;
    req.partitions = def;
    req.scope = scope;
    req.selection = b->selection;
    req.trigger = "backfill";
    req.tags["pond/backfill"] = id;
    req.vars = args.value("vars", std::string());
    if (args.contains("threads") && args["threads"].is_number_integer())
      req.threads = args["threads"].get<int>();
    req.run_id = random_uuid();
    run_ids.insert(req.run_id);
    store.set_backfill_run(id, row.seq, "running", req.run_id);
    out << "Backfill run " << k << " of " << total << ": " << name_list(g, assets) << " at " << def->name()
        << " " << describe_scope(*def, scope) << "\n";
    RunResult result = execute_run(ws, req, cancel, out);
    std::string status = result.exit_code == 0 ? "success" : result.exit_code == 130 ? "cancelled" : "failed";
    store.set_backfill_run(id, row.seq, status, req.run_id);
    if (result.exit_code == 130) {
      store.finish_backfill(id, "cancelled");
      out << "Backfill " << id << " cancelled; `pond backfill resume " << id
          << "` goes on with what is left\n";
      return 130;
    }
    worst = std::max(worst, result.exit_code);
  }
  store.finish_backfill(id, worst == 0 ? "success" : "failed");
  out << "Backfill " << id << (worst == 0 ? " succeeded" : " finished with failed runs") << "\n";
  return worst;
}

}  // namespace

int backfill(Workspace& ws, const BackfillOptions& o, exec::Cancellation& cancel, std::ostream& out) {
  BackfillPlan plan = plan_backfill(ws.graph(), o, StoreSnapshot::read(ws.store()), now_seconds());
  print_plan(ws.graph(), plan, o, out);
  if (o.dry_run) return 0;
  if (plan.chunks.empty()) {
    out << "Nothing to backfill: no partition in the range is " << (o.mode == "failed" ? "failed" : "missing")
        << "\n";
    return 0;
  }
  std::string id = record_backfill(ws, plan, o);
  out << "Backfill " << id << " recorded (`pond backfill resume " << id
      << "` continues it if this process stops)\n";
  return run_backfill(ws, id, cancel, out);
}

std::string record_backfill(Workspace& ws, const BackfillPlan& plan, const BackfillOptions& o) {
  if (plan.chunks.empty() || !plan.definition) throw InternalError("record_backfill: an empty plan");
  runstore::BackfillRecord b;
  b.backfill_id = random_uuid();
  b.selection = plan.selection;
  b.partitions = plan.definition->name();
  b.range_from = o.from;
  b.range_to = o.to;
  b.mode = o.mode;
  b.policy = o.policy;
  nlohmann::json args{{"vars", o.vars}, {"reverse", o.reverse}};
  if (o.threads) args["threads"] = *o.threads;
  b.args_json = args.dump();
  std::vector<runstore::BackfillRunRecord> rows;
  for (std::size_t k = 0; k < plan.chunks.size(); ++k) {
    const auto& c = plan.chunks[k];
    runstore::BackfillRunRecord r;
    r.seq = static_cast<int>(k);
    r.list_key = c.scope.list_key;
    r.range_start = c.scope.span.start;
    r.range_end = c.scope.span.end;
    r.partitions = c.partitions;
    nlohmann::json keys = nlohmann::json::array();
    for (std::size_t i : c.assets) keys.push_back(ws.graph().node(i).key);
    r.assets_json = keys.dump();
    rows.push_back(std::move(r));
  }
  ws.store().create_backfill(b, rows);
  return b.backfill_id;
}

int run_recorded_backfill(Workspace& ws, const std::string& id, exec::Cancellation& cancel,
                          std::ostream& out) {
  return run_backfill(ws, id, cancel, out);
}

std::optional<std::string> claim_backfill_to_resume(Workspace& ws, const std::string& id) {
  runstore::RunStore& store = ws.store();
  auto b = store.find_backfill(id);
  if (!b) throw UserError("no backfill '" + id + "' in the run store", "pond backfills lists them");
  if (b->status == "success") return std::nullopt;
  if (store.backfill_process_alive(*b))
    throw UserError("backfill " + b->backfill_id + " is running in process " +
                        std::to_string(b->pid.value_or(0)) + (b->host.empty() ? "" : " on " + b->host),
                    "cancel it first (pond backfill cancel " + b->backfill_id + ")");
  store.mark_crashed_runs();
  store.claim_backfill(b->backfill_id);
  return b->backfill_id;
}

int resume_backfill(Workspace& ws, const std::string& id, exec::Cancellation& cancel, std::ostream& out) {
  auto claimed = claim_backfill_to_resume(ws, id);
  if (!claimed) {
    out << "Backfill " << ws.store().find_backfill(id)->backfill_id
        << " already succeeded; nothing to resume\n";
    return 0;
  }
  out << "Resuming backfill " << *claimed << "\n";
  return run_backfill(ws, *claimed, cancel, out);
}

int cancel_backfill(Workspace& ws, const std::string& id, std::ostream& out) {
  runstore::RunStore& store = ws.store();
  auto b = store.find_backfill(id);
  if (!b) throw UserError("no backfill '" + id + "' in the run store", "pond backfills lists them");
  if (b->status != "running") {
    out << "Backfill " << b->backfill_id << " is not running (" << b->status << ")\n";
    return 0;
  }
  store.request_backfill_cancel(b->backfill_id);
  for (const auto& r : store.backfill_runs(b->backfill_id))
    if (r.status == "running" && !r.run_id.empty() && !store.cancel_queued_run(r.run_id))
      store.request_run_cancel(r.run_id);
  if (!store.backfill_process_alive(*b)) store.finish_backfill(b->backfill_id, "cancelled");
  out << "Asked backfill " << b->backfill_id << " to stop\n";
  return 0;
}

}  // namespace pond::orchestrate
