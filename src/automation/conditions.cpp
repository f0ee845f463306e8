#include "automation/conditions.hpp"

#include <map>
#include <set>
#include <string_view>

#include "automation/schedule_evaluator.hpp"
#include "orchestrate/mapping.hpp"

namespace pond::automation {

namespace {

using orchestrate::AssetNode;
using orchestrate::intersect;
using orchestrate::IntervalSet;
using orchestrate::PartitionScope;
using orchestrate::PartitionsDefinition;
using orchestrate::PartitionSubset;
using runstore::PartitionRangeRecord;

void subtract(PartitionSubset& from, const PartitionSubset& what) {
  for (auto it = from.begin(); it != from.end();) {
    if (auto w = what.find(it->first); w != what.end()) it->second.subtract(w->second);
    it = it->second.empty() ? from.erase(it) : std::next(it);
  }
}

void add_all(PartitionSubset& into, const PartitionSubset& from) {
  for (const auto& [k, set] : from) into[k].add(set);
}

bool empty(const PartitionSubset& s) {
  for (const auto& [k, set] : s)
    if (!set.empty()) return false;
  return true;
}

std::int64_t count(const PartitionsDefinition* def, const PartitionSubset& s) {
  if (def) return def->count(s);
  return empty(s) ? 0 : 1;
}

// The position of `a` in the graph (nodes are one vector).
std::size_t index_of(const ConditionInputs& in, const AssetNode& a) {
  return static_cast<std::size_t>(&a - in.graph.nodes().data());
}

const std::vector<PartitionRangeRecord>& ranges_of(const ConditionInputs& in, const AssetNode& a) {
  static const std::vector<PartitionRangeRecord> kNone;
  if (in.ranges_index) {
    const auto* r = (*in.ranges_index)[index_of(in, a)];
    return r ? *r : kNone;
  }
  auto it = in.store.ranges.find(a.key);
  return it == in.store.ranges.end() ? kNone : it->second;
}

const PartitionSubset& in_progress_of(const ConditionInputs& in, const AssetNode& a) {
  static const PartitionSubset kNone;
  if (in.progress_index) {
    const auto* p = (*in.progress_index)[index_of(in, a)];
    return p ? *p : kNone;
  }
  auto it = in.in_progress.find(a.key);
  return it == in.in_progress.end() ? kNone : it->second;
}

CronFacts cron_facts_now(const orchestrate::AutomationConfig& c, std::optional<EpochSeconds> cursor,
                         EpochSeconds now) {
  ScheduleTicks ticks(c.on_cron, c.timezone);
  CronFacts f;
  if (cursor) f.passed = ticks.between(*cursor, now);
  f.next = ticks.next_after(cursor ? std::max(now, *cursor) : now);
  return f;
}

const CronFacts& cron_facts(const ConditionInputs& in, const orchestrate::AutomationConfig& c,
                            std::optional<EpochSeconds> cursor, CronFacts& scratch) {
  if (!in.cron_memo) return scratch = cron_facts_now(c, cursor, in.now);
  auto key = std::make_tuple(c.on_cron, c.timezone, cursor);
  auto it = in.cron_memo->find(key);
  if (it == in.cron_memo->end()) it = in.cron_memo->emplace(key, cron_facts_now(c, cursor, in.now)).first;
  return it->second;
}

std::string plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "3 partitions (2026-03-01...2026-03-03, 2026-03-05)" or "" for an unpartitioned asset.
std::string describe(const PartitionsDefinition* def, const PartitionSubset& s) {
  if (!def) return "";
  std::string parts;
  int shown = 0;
  for (const auto& [k, set] : s)
    for (const auto& iv : set.parts()) {
      if (++shown > 3) continue;
      parts += (parts.empty() ? "" : ", ") + orchestrate::describe_scope(*def, PartitionScope{k, iv});
    }
  if (shown > 3) parts += ", ...";
  return plural(def->count(s), "partition", "partitions") + " (" + parts + ")";
}

// What one condition found.
struct Finding {
  PartitionSubset want;
  std::string reason;
};

// The partitions of `a` whose parents were materialized after them (or that were never made
// while a parent has been), within `scope`.
Finding eager(const ConditionInputs& in, const AssetNode& a, const PartitionSubset& scope) {
  const auto& mine = ranges_of(in, a);
  Finding f;
  std::set<std::string> newer;
  std::string latest_parent_ts;
  bool any_parent = false;
  // The partitions this asset made (or failed to make) at or after a time, by time: a parent's
  // stretches mostly share a few times, and this is the inner loop of a tick over many assets.
  std::map<std::string_view, PartitionSubset> since_by_ts;
  auto since_of = [&](const std::string& ts) -> const PartitionSubset& {
    auto it = since_by_ts.find(ts);
    if (it != since_by_ts.end()) return it->second;
    PartitionSubset since;
    for (const auto& r : mine)
      if (r.ts >= ts) since[r.list_key].add(r.range_start, r.range_end);
    return since_by_ts.emplace(ts, std::move(since)).first->second;
  };
  for (std::size_t k = 0; k < a.parents.size(); ++k) {
    const AssetNode& p = in.graph.node(a.parents[k]);
    if (!p.materializable()) continue;
    any_parent = true;
    for (const auto& pr : ranges_of(in, p)) {
      if (pr.status != "materialized") continue;
      PartitionScope up{pr.list_key, {pr.range_start, pr.range_end}};
      PartitionSubset affected = intersect(
          orchestrate::map_downstream(a.mappings[k], p.partitions, a.partitions, up, in.now), scope);
      // Partitions this asset made (or failed to make) after that upstream stretch read it.
      subtract(affected, since_of(pr.ts));
      if (empty(affected)) continue;
      add_all(f.want, affected);
      newer.insert(p.name);
      latest_parent_ts = std::max(latest_parent_ts, pr.ts);
    }
  }
  if (!any_parent) {
    f.reason = "eager: no upstream asset to follow";
    return f;
  }
  if (newer.empty()) {
    f.reason = "eager: no upstream materialized since this asset";
    return f;
  }
  std::string names;
  for (const auto& n : newer) names += (names.empty() ? "" : ", ") + n;
  f.reason = "eager: upstream " + names + " materialized since (latest " + latest_parent_ts + ")";
  for (std::size_t p : a.parents) {
    const AssetNode& parent = in.graph.node(p);
    if (!empty(in_progress_of(in, parent))) {
      f.reason += ", but upstream " + parent.name + " is in progress: waiting for it";
      f.want.clear();
      return f;
    }
  }
  return f;
}

Finding on_missing(const ConditionInputs& in, const AssetNode& a, const PartitionSubset& scope) {
  const auto& mine = ranges_of(in, a);
  Finding f;
  f.want = scope;
  subtract(f.want, orchestrate::recorded(mine, "materialized"));
  PartitionSubset failed = intersect(orchestrate::recorded(mine, "failed"), f.want);
  subtract(f.want, failed);
  const std::int64_t n_failed = count(a.partitions, failed);
  const std::string failed_note =
      n_failed > 0 ? " (" + plural(n_failed, "failed partition is", "failed partitions are") +
                         " left to pond backfill --mode failed)"
                   : "";
  if (empty(f.want))
    f.reason = (a.partitions ? "on_missing: no partition missing" : "on_missing: materialized") + failed_note;
  else
    f.reason =
        "on_missing: " + (a.partitions ? describe(a.partitions, f.want) + " missing" : "never materialized") +
        failed_note;
  return f;
}

}  // namespace

std::vector<const std::vector<PartitionRangeRecord>*> index_ranges(const orchestrate::AssetGraph& g,
                                                                   const orchestrate::StoreSnapshot& s) {
  std::vector<const std::vector<PartitionRangeRecord>*> out(g.size(), nullptr);
  for (std::size_t i = 0; i < g.size(); ++i)
    if (auto it = s.ranges.find(g.node(i).key); it != s.ranges.end()) out[i] = &it->second;
  return out;
}

std::vector<const PartitionSubset*> index_progress(
    const orchestrate::AssetGraph& g, const std::map<std::string, PartitionSubset>& in_progress) {
  std::vector<const PartitionSubset*> out(g.size(), nullptr);
  if (in_progress.empty()) return out;
  for (std::size_t i = 0; i < g.size(); ++i)
    if (auto it = in_progress.find(g.node(i).key); it != in_progress.end()) out[i] = &it->second;
  return out;
}

Verdict evaluate_conditions(const ConditionInputs& in, std::size_t asset,
                            const orchestrate::AutomationConfig& c, std::optional<EpochSeconds> cron_cursor) {
  const AssetNode& a = in.graph.node(asset);
  const PartitionsDefinition* def = a.partitions;
  Verdict v;
  v.asset = asset;
  // Every partition that exists now (or the latest window of each list key).
  PartitionSubset scope;
  if (!def) {
    scope[""] = IntervalSet(orchestrate::kUnit.start, orchestrate::kUnit.end);
  } else if (c.latest_time_window_only && def->time()) {
    for (const auto& s : def->latest(in.now)) scope[s.list_key].add(s.span.start, s.span.end);
  } else {
    scope = def->all(in.now);
  }
  const PartitionSubset progress = intersect(in_progress_of(in, a), scope);

  std::vector<std::string> reasons, fired;
  PartitionSubset want;
  std::optional<EpochSeconds> cron_tick;
  if (!c.on_cron.empty()) {
    CronFacts scratch;
    const CronFacts& facts = cron_facts(in, c, cron_cursor, scratch);
    if (!cron_cursor) {
      v.cron_cursor = in.now;
      reasons.push_back("on_cron: first evaluation; the next tick is " +
                        (facts.next ? utc_minute_text(*facts.next) : "never"));
    } else {
      const std::vector<EpochSeconds>& passed = facts.passed;
      if (passed.empty()) {
        const auto& next = facts.next;
        reasons.push_back("on_cron: no tick since " + utc_minute_text(*cron_cursor) + "; the next is " +
                          (next ? utc_minute_text(*next) : "never"));
      } else {
        cron_tick = passed.back();
        PartitionSubset target = scope;
        if (def) {
          target.clear();
          for (const auto& s : def->latest(in.now)) target[s.list_key].add(s.span.start, s.span.end);
          target = intersect(target, scope);
        }
        std::string what =
            "on_cron: tick " + utc_minute_text(*cron_tick) + " passed" +
            (passed.size() > 1 ? " (" + std::to_string(passed.size()) + " ticks since the last)" : "");
        if (empty(target)) {
          reasons.push_back(what + ", but no partition exists yet");
          v.cron_cursor = cron_tick;
        } else if (c.unless_in_progress && !empty(intersect(progress, target))) {
          // Kept pending (the cursor stays): it runs once the run in progress is done.
          reasons.push_back(what + ", but a run of it is in progress (unless: in_progress)");
          cron_tick.reset();
        } else {
          add_all(want, target);
          fired.push_back("on_cron");
          reasons.push_back(what);
        }
      }
    }
  }
  if (c.eager) {
    Finding f = eager(in, a, scope);
    PartitionSubset busy = intersect(f.want, progress);
    subtract(f.want, progress);
    if (!empty(busy) && empty(f.want)) f.reason += ", but it is in progress";
    if (!empty(f.want)) {
      add_all(want, f.want);
      fired.push_back("eager");
    }
    reasons.push_back(f.reason);
  }
  if (c.on_missing) {
    Finding f = on_missing(in, a, scope);
    PartitionSubset busy = intersect(f.want, progress);
    subtract(f.want, progress);
    if (!empty(busy)) f.reason += ", " + (def ? describe(def, busy) : std::string("a run")) + " in progress";
    if (!empty(f.want)) {
      add_all(want, f.want);
      fired.push_back("on_missing");
    }
    reasons.push_back(f.reason);
  }
  if (!fired.empty() && c.unless_upstream_checks_failed) {
    for (std::size_t p : a.parents) {
      const AssetNode& parent = in.graph.node(p);
      auto it = in.store.checks.find(parent.key);
      if (it == in.store.checks.end()) continue;
      for (const auto& chk : it->second) {
        if (chk.status != "fail" && chk.status != "error") continue;
        reasons.push_back("not run: upstream " + parent.name + "'s check " + chk.check_name + " " +
                          chk.status + "ed (unless: upstream_checks_failed)");
        fired.clear();
        want.clear();
        cron_tick.reset();  // the tick stays pending until the check passes
        break;
      }
      if (fired.empty()) break;
    }
  }
  if (cron_tick && !fired.empty()) v.cron_cursor = cron_tick;
  v.requested = !fired.empty();
  for (const auto& f : fired) v.condition += (v.condition.empty() ? "" : "+") + f;
  v.partitions = std::move(want);
  for (const auto& r : reasons) v.reason += (v.reason.empty() ? "" : "; ") + r;
  if (v.requested && def) v.reason = "requested " + describe(def, v.partitions) + ": " + v.reason;
  return v;
}

}  // namespace pond::automation
