#pragma once
// Asset status (`pond status`): for each asset its last materialization and partition counts
// (materialized, failed, missing, in progress, stale), and whether it is stale and why: its code
// changed, an upstream asset was materialized since, partitions are missing, a check failed.
// Computed from the run store's stretches with interval arithmetic: the cost grows with the
// number of stretches, not of partitions.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "orchestrate/asset_graph.hpp"
#include "orchestrate/partitions.hpp"
#include "runstore/run_store.hpp"

namespace pond::orchestrate {

struct AssetStatus {
  std::size_t asset = 0;
  std::string last_materialized;  // timestamp, empty when never
  std::string last_run_id;
  std::int64_t total = 0;  // partitions that exist (1 for unpartitioned assets)
  std::int64_t materialized = 0;
  std::int64_t failed = 0;
  std::int64_t missing = 0;
  std::int64_t in_progress = 0;
  std::int64_t stale = 0;  // materialized partitions that are stale
  std::vector<std::string> reasons;
  // fresh | stale | missing | failed | running | external
  std::string state;
};

// What the store says, read once (the input of status).
struct StoreSnapshot {
  std::map<std::string, std::vector<runstore::PartitionRangeRecord>> ranges;  // by asset key
  std::map<std::string, std::vector<runstore::RunTargetRecord>> running;      // by asset key
  std::map<std::string, std::vector<runstore::CheckRecord>> checks;           // latest, by asset key
  // Unpartitioned materializations recorded without a stretch (`pond build`), by asset key.
  std::map<std::string, runstore::MaterializationRecord> latest;
  std::int64_t ranges_version = -1;  // the store's partition_ranges_version() before `ranges` were read
  static StoreSnapshot read(runstore::RunStore& store);
  // Brings the snapshot up to date for a reader that keeps it (the daemon, tick after tick):
  // the partition stretches are read again only when the store's version of them changed (or an
  // unpartitioned asset has a newer materialization), the runs in progress and checks always.
  void refresh(runstore::RunStore& store);
};

std::vector<AssetStatus> asset_status(const AssetGraph& g, const StoreSnapshot& s,
                                      const std::vector<std::size_t>& assets, EpochSeconds now);

// Per list key, the partitions of an asset recorded with `status` (materialized or failed).
PartitionSubset recorded(const std::vector<runstore::PartitionRangeRecord>& ranges,
                         const std::string& status);

}  // namespace pond::orchestrate
