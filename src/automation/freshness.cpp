#include "automation/freshness.hpp"

#include <ostream>

#include "automation/schedule_evaluator.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "orchestrate/select.hpp"
#include "orchestrate/status.hpp"

namespace pond::automation {

namespace {

// "6h", "1d2h", "45m", "30s".
std::string span_text(EpochSeconds s) {
  if (s <= 0) return "0s";
  std::string out;
  for (auto [unit, n] : {std::pair{'d', 86400}, std::pair{'h', 3600}, std::pair{'m', 60}})
    if (s >= n) {
      out += std::to_string(s / n) + unit;
      s %= n;
    }
  if (s > 0 || out.empty()) out += std::to_string(s) + "s";
  return out;
}

// The latest deadline tick at or before `now` (looking back up to 400 days).
std::optional<EpochSeconds> last_deadline(const ScheduleTicks& ticks, EpochSeconds now) {
  for (EpochSeconds back : {EpochSeconds{86400}, EpochSeconds{35 * 86400}, EpochSeconds{400 * 86400}}) {
    auto found = ticks.between(now - back, now, 200000);
    if (!found.empty()) return found.back();
  }
  return std::nullopt;
}

std::optional<EpochSeconds> epoch_of(const std::string& ts) {
  if (ts.empty()) return std::nullopt;
  auto t = parse_utc_time(ts);
  if (!t) throw std::runtime_error("a materialization time in the run store is not a time: '" + ts + "'");
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

}  // namespace

std::string freshness_source(const std::string& asset_key) {
  return "freshness:" + asset_key;
}

Lateness lateness(const orchestrate::FreshnessConfig& p, std::optional<EpochSeconds> last, EpochSeconds now) {
  const EpochSeconds lag = p.max_lag.count();
  const std::string last_text = last ? "last materialized " + utc_minute_text(*last) : "never materialized";
  Lateness l;
  if (p.deadline.empty()) {
    if (last && *last >= now - lag) return l;
    l.late = true;
    l.late_since = last ? *last + lag : 0;
    l.reason =
        (last ? "last materialized " + span_text(now - *last) + " ago" : std::string("never materialized")) +
        " (max_lag " + span_text(lag) + ")";
    return l;
  }
  auto deadline = last_deadline(ScheduleTicks(p.deadline, p.timezone), now);
  if (!deadline || (last && *last >= *deadline - lag)) return l;
  l.late = true;
  l.late_since = *deadline;
  l.reason = "not materialized in the " + span_text(lag) + " before the deadline " +
             utc_minute_text(*deadline) + " (" + last_text + ")";
  return l;
}

std::vector<FreshnessPolicy> freshness_policies(const orchestrate::Workspace& ws) {
  const auto& g = ws.graph();
  std::map<std::size_t, const orchestrate::FreshnessConfig*> by_asset;
  auto take = [&](std::size_t i, const orchestrate::FreshnessConfig& c) {
    auto [it, fresh] = by_asset.emplace(i, &c);
    if (!fresh)
      throw UserError(c.where,
                      "asset '" + g.node(i).name + "' has two freshness policies (also at " +
                          it->second->where.to_string() + ")",
                      "give each asset one: narrow a block's select: or add exclude:");
  };
  for (std::size_t i = 0; i < g.size(); ++i)
    if (const auto* cmd = g.node(i).command; cmd && cmd->freshness) take(i, *cmd->freshness);
  for (const auto& block : ws.config().freshness) {
    std::size_t n = 0;
    for (std::size_t i : orchestrate::select_assets(g, block.select, block.exclude)) {
      if (!g.node(i).materializable()) continue;
      take(i, block);
      ++n;
    }
    if (n == 0)
      throw UserError(block.where, "this freshness block selects no asset to materialize",
                      "select models, seeds, snapshots, command assets or ingest resources");
  }
  std::vector<FreshnessPolicy> out;
  for (const auto& [i, c] : by_asset) out.push_back({i, c});
  return out;
}

std::map<std::size_t, Lateness> evaluate_freshness(const orchestrate::Workspace& ws,
                                                   const std::vector<FreshnessPolicy>& policies,
                                                   runstore::RunStore& store, EpochSeconds now) {
  std::map<std::size_t, Lateness> out;
  if (policies.empty()) return out;
  std::vector<std::size_t> assets;
  for (const auto& p : policies) assets.push_back(p.asset);
  const auto statuses =
      orchestrate::asset_status(ws.graph(), orchestrate::StoreSnapshot::read(store), assets, now);
  for (std::size_t k = 0; k < policies.size(); ++k)
    out[policies[k].asset] = lateness(*policies[k].config, epoch_of(statuses[k].last_materialized), now);
  return out;
}

std::map<std::size_t, Lateness> FreshnessMonitor::evaluate(orchestrate::Workspace& ws, EpochSeconds now,
                                                           std::ostream& out) {
  std::map<std::size_t, Lateness> started;
  if (policies_.empty()) return started;
  runstore::RunStore& store = ws.store();
  const auto& g = ws.graph();
  for (auto& [asset, l] : evaluate_freshness(ws, policies_, store, now)) {
    const std::string& key = g.node(asset).key;
    const std::string source = freshness_source(key);
    auto open = open_.find(key);
    if (open == open_.end()) {
      auto last = store.recent_ticks(source, 1);
      open = open_.emplace(key, !last.empty() && last[0].status == "late").first;
    }
    if (l.late == open->second) continue;  // still late (the same episode), or still fresh
    if (l.late) {
      // The episode's key is when it became late: recorded once, whoever records it.
      if (store.record_tick({source, l.late_since, "late", {}, l.reason, ""}, {}, std::nullopt)) {
        out << "Freshness: " << g.node(asset).name << " is late: " << l.reason << std::endl;
        log::warn("asset {} is late: {}", g.node(asset).name, l.reason);
        started[asset] = l;
      }
    } else {
      store.record_tick({source, now, "fresh", {}, "materialized again", ""}, {}, std::nullopt);
      out << "Freshness: " << g.node(asset).name << " is fresh again" << std::endl;
    }
    open->second = l.late;
  }
  return started;
}

}  // namespace pond::automation
