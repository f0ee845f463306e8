#include "orchestrate/status.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "orchestrate/mapping.hpp"

namespace pond::orchestrate {

namespace {

using runstore::PartitionRangeRecord;

std::int64_t count_in(const PartitionsDefinition* def, const PartitionSubset& s) {
  if (def) return def->count(s);
  std::int64_t n = 0;
  for (const auto& [k, set] : s) n += set.empty() ? 0 : 1;
  return n;
}

void add_all(PartitionSubset& into, const PartitionSubset& from) {
  for (const auto& [k, set] : from) into[k].add(set);
}

std::string plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

PartitionSubset recorded(const std::vector<PartitionRangeRecord>& ranges, const std::string& status) {
  PartitionSubset out;
  for (const auto& r : ranges)
    if (r.status == status) out[r.list_key].add(r.range_start, r.range_end);
  return out;
}

void StoreSnapshot::refresh(runstore::RunStore& store) {
  std::map<std::string, runstore::MaterializationRecord> fresh_latest;
  for (auto& m : store.latest_materializations()) fresh_latest[m.asset_key] = std::move(m);
  bool same_latest = fresh_latest.size() == latest.size();
  for (auto a = fresh_latest.begin(), b = latest.begin(); same_latest && a != fresh_latest.end(); ++a, ++b)
    same_latest =
        a->first == b->first && a->second.run_id == b->second.run_id && a->second.ts == b->second.ts;
  if (!same_latest || store.partition_ranges_version() != ranges_version) {
    *this = read(store);
    return;
  }
  running.clear();
  checks.clear();
  for (auto& [run, t] : store.running_targets()) running[t.asset_key].push_back(std::move(t));
  for (auto& c : store.latest_checks()) checks[c.asset_key].push_back(std::move(c));
}

StoreSnapshot StoreSnapshot::read(runstore::RunStore& store) {
  StoreSnapshot s;
  // The version first: a write between the two is then seen by the next refresh.
  s.ranges_version = store.partition_ranges_version();
  for (auto& r : store.partition_ranges()) s.ranges[r.asset_key].push_back(std::move(r));
  for (auto& [run, t] : store.running_targets()) s.running[t.asset_key].push_back(std::move(t));
  for (auto& c : store.latest_checks()) s.checks[c.asset_key].push_back(std::move(c));
  for (auto& m : store.latest_materializations()) s.latest[m.asset_key] = std::move(m);
  // A materialization newer than the asset's stretch (a `pond build` after `pond materialize`)
  // is the asset's state; its code version is unknown unless it recorded one.
  for (auto& [key, m] : s.latest) {
    auto& ranges = s.ranges[key];
    bool newer = true;
    for (const auto& r : ranges)
      if (r.list_key.empty() && r.range_start == 0 && r.range_end == 1 && r.ts >= m.ts) newer = false;
    if (!newer) continue;
    std::erase_if(ranges,
                  [](const auto& r) { return r.list_key.empty() && r.range_start == 0 && r.range_end == 1; });
    nlohmann::json meta =
        nlohmann::json::parse(m.metadata_json.empty() ? "{}" : m.metadata_json, nullptr, false);
    std::string code = meta.is_object() ? meta.value("code_version", std::string()) : "";
    ranges.push_back({key, "", 0, 1, "materialized", m.run_id, m.ts, code});
  }
  return s;
}

std::vector<AssetStatus> asset_status(const AssetGraph& g, const StoreSnapshot& s,
                                      const std::vector<std::size_t>& assets, EpochSeconds now) {
  static const std::vector<PartitionRangeRecord> kNone;
  auto ranges_of = [&](const AssetNode& a) -> const std::vector<PartitionRangeRecord>& {
    auto it = s.ranges.find(a.key);
    return it == s.ranges.end() ? kNone : it->second;
  };
  std::vector<AssetStatus> out;
  for (std::size_t i : assets) {
    const AssetNode& a = g.node(i);
    AssetStatus st;
    st.asset = i;
    if (!a.materializable()) {
      st.state = "external";
      out.push_back(std::move(st));
      continue;
    }
    const PartitionsDefinition* def = a.partitions;
    PartitionSubset all = def ? def->all(now) : PartitionSubset{{"", IntervalSet(kUnit.start, kUnit.end)}};
    const auto& ranges = ranges_of(a);
    PartitionSubset done = intersect(recorded(ranges, "materialized"), all);
    PartitionSubset failed = intersect(recorded(ranges, "failed"), all);
    st.total = count_in(def, all);
    st.materialized = count_in(def, done);
    st.failed = count_in(def, failed);
    st.missing = std::max<std::int64_t>(0, st.total - st.materialized - st.failed);
    if (auto it = s.running.find(a.key); it != s.running.end()) {
      PartitionSubset running;
      for (const auto& t : it->second) running[t.list_key].add(t.range_start, t.range_end);
      st.in_progress = count_in(def, intersect(running, all));
    }
    for (const auto& r : ranges)
      if (r.status == "materialized" && r.ts > st.last_materialized) {
        st.last_materialized = r.ts;
        st.last_run_id = r.run_id;
      }

    // Stale partitions: made from other code, or older than what they read upstream.
    PartitionSubset stale_code, stale_upstream;
    std::set<std::string> newer_parents;
    for (const auto& r : ranges) {
      if (r.status != "materialized") continue;
      if (!a.code_version.empty() && r.code_version != a.code_version)
        stale_code[r.list_key].add(r.range_start, r.range_end);
      for (std::size_t k = 0; k < a.parents.size(); ++k) {
        const AssetNode& p = g.node(a.parents[k]);
        if (!p.materializable()) continue;
        PartitionScope scope{r.list_key, {r.range_start, r.range_end}};
        PartitionSubset read = map_upstream(a.mappings[k], p.partitions, def, scope, now);
        for (const auto& pr : ranges_of(p)) {
          if (pr.status != "materialized" || pr.ts <= r.ts) continue;
          auto it = read.find(pr.list_key);
          if (it == read.end() || !it->second.overlaps(pr.range_start, pr.range_end)) continue;
          // The downstream partitions that read this newer upstream stretch.
          PartitionScope up_scope{pr.list_key, {pr.range_start, pr.range_end}};
          PartitionSubset affected = map_downstream(a.mappings[k], p.partitions, def, up_scope, now);
          PartitionSubset mine{{r.list_key, IntervalSet(r.range_start, r.range_end)}};
          PartitionSubset hit = intersect(affected, mine);
          if (hit.empty()) continue;
          add_all(stale_upstream, hit);
          newer_parents.insert(p.name);
        }
      }
    }
    PartitionSubset stale = stale_code;
    add_all(stale, stale_upstream);
    st.stale = count_in(def, intersect(stale, done));
    std::int64_t code = count_in(def, intersect(stale_code, done));
    if (code > 0)
      st.reasons.push_back(def ? "code changed (" + plural(code, "partition", "partitions") + ")"
                               : "code changed");
    if (!newer_parents.empty()) {
      std::string names;
      for (const auto& n : newer_parents) names += (names.empty() ? "" : ", ") + n;
      std::int64_t up = count_in(def, intersect(stale_upstream, done));
      st.reasons.push_back("upstream " + names + " materialized since" +
                           (def ? " (" + plural(up, "partition", "partitions") + ")" : ""));
    }
    if (def && st.missing > 0)
      st.reasons.push_back(plural(st.missing, "partition", "partitions") + " missing");
    if (def && st.failed > 0) st.reasons.push_back(plural(st.failed, "partition", "partitions") + " failed");
    if (auto it = s.checks.find(a.key); it != s.checks.end())
      for (const auto& c : it->second)
        if (c.status == "fail" || c.status == "error")
          st.reasons.push_back("check " + c.check_name + " " + c.status + "ed");
    if (st.in_progress > 0)
      st.state = "running";
    else if (st.materialized == 0 && st.failed > 0)
      st.state = "failed";
    else if (st.materialized == 0)
      st.state = "missing";
    else if (!st.reasons.empty())
      st.state = "stale";
    else
      st.state = "fresh";
    if (!def && st.materialized == 0 && st.failed == 0) st.reasons.push_back("never materialized");
    if (!def && st.failed > 0) st.reasons.push_back("last run failed");
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace pond::orchestrate
