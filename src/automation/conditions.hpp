#pragma once
// Declarative automation's conditions (pond.yml `automation:`), evaluated for one asset at one
// daemon tick from what the run store says (read once per tick): which partitions to request,
// by which condition, and why (or why not). Pure: no store access, so it is unit-tested.
//
// - on_cron: a tick of the cron passed since the one it last handled (`cron_cursor`): the
//   asset (its latest partition) is requested once per tick.
// - eager: a parent was materialized after this asset's partitions that read it, and neither
//   this asset nor a parent is in progress.
// - on_missing: partitions that exist by the partitions definition at `now` were never
//   materialized (failed ones are left to `pond backfill --mode failed`), and are not in progress.
// - unless: in_progress (vetoes on_cron while the asset is in progress; eager and on_missing
//   never request what is in progress), upstream_checks_failed (a parent's latest check failed
//   or errored); latest_time_window_only: only the latest window of the time dimension.
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "automation/schedule_ticks.hpp"
#include "orchestrate/asset_graph.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/status.hpp"

namespace pond::automation {

// What a cron says between an on_cron cursor and now: computed once per tick for every asset
// sharing the cron, time zone and cursor (the usual case: many assets on one daily cron).
struct CronFacts {
  std::vector<EpochSeconds> passed;  // ticks in (cursor, now]
  std::optional<EpochSeconds> next;  // the first tick after max(now, cursor)
};
using CronMemo = std::map<std::tuple<std::string, std::string, std::optional<EpochSeconds>>, CronFacts>;

struct ConditionInputs {
  const orchestrate::AssetGraph& graph;
  const orchestrate::StoreSnapshot& store;
  // Asset key -> partitions of runs running or queued ({"": [0, 1)} for unpartitioned assets).
  const std::map<std::string, orchestrate::PartitionSubset>& in_progress;
  EpochSeconds now = 0;
  CronMemo* cron_memo = nullptr;  // optional: kept for one `now`
  // Optional, by asset index: `store.ranges` and `in_progress` of each asset looked up once per
  // tick, not by key for every asset and parent (null entries: none).
  const std::vector<const std::vector<runstore::PartitionRangeRecord>*>* ranges_index = nullptr;
  const std::vector<const orchestrate::PartitionSubset*>* progress_index = nullptr;
};

// The two indexes of ConditionInputs for `g`.
std::vector<const std::vector<runstore::PartitionRangeRecord>*> index_ranges(
    const orchestrate::AssetGraph& g, const orchestrate::StoreSnapshot& s);
std::vector<const orchestrate::PartitionSubset*> index_progress(
    const orchestrate::AssetGraph& g, const std::map<std::string, orchestrate::PartitionSubset>& in_progress);

struct Verdict {
  std::size_t asset = 0;
  bool requested = false;
  std::string condition;                    // "eager", "on_missing", "on_cron" or several joined by '+'
  orchestrate::PartitionSubset partitions;  // what is requested ({"": [0, 1)} unpartitioned)
  std::string reason;
  // on_cron: the tick handled now (or, at the first evaluation, `now`): to be recorded with the
  // verdict. Unchanged (nullopt) when no tick was handled.
  std::optional<EpochSeconds> cron_cursor;
};

// Evaluates `config` for `asset`; `cron_cursor` is the last cron tick it handled (nullopt: never).
Verdict evaluate_conditions(const ConditionInputs& in, std::size_t asset,
                            const orchestrate::AutomationConfig& config,
                            std::optional<EpochSeconds> cron_cursor);

}  // namespace pond::automation
