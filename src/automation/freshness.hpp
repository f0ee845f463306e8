#pragma once
// Freshness policies (pond.yml `freshness:`): whether an asset's latest materialization is
// recent enough, and the daemon's record of each episode of lateness (once, whatever restarts
// or a second daemon do): a row of `automation_ticks` with source "freshness:KEY", status
// `late` at the instant it became late, and `fresh` when it is no longer late.
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automation/schedule_ticks.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/workspace.hpp"
#include "runstore/run_store.hpp"

namespace pond::automation {

struct Lateness {
  bool late = false;
  // When it became late: the last materialization + max_lag, or the missed deadline tick; 0
  // when the asset was never materialized.
  EpochSeconds late_since = 0;
  std::string reason;
};

// `last`: the asset's latest materialization (nullopt: never).
Lateness lateness(const orchestrate::FreshnessConfig& policy, std::optional<EpochSeconds> last,
                  EpochSeconds now);

// "freshness:KEY".
std::string freshness_source(const std::string& asset_key);

struct FreshnessPolicy {
  std::size_t asset = 0;
  const orchestrate::FreshnessConfig* config = nullptr;
};

// The assets with a freshness policy. Throws UserError at the pond.yml line for an asset with
// two policies, or a block that selects no asset.
std::vector<FreshnessPolicy> freshness_policies(const orchestrate::Workspace& ws);

// Each policy's lateness at `now`, from one read of the run store (asset index -> lateness).
std::map<std::size_t, Lateness> evaluate_freshness(const orchestrate::Workspace& ws,
                                                   const std::vector<FreshnessPolicy>& policies,
                                                   runstore::RunStore& store, EpochSeconds now);

// The daemon's side: records the start and the end of each lateness episode once.
class FreshnessMonitor {
 public:
  explicit FreshnessMonitor(const orchestrate::Workspace& ws) : policies_(freshness_policies(ws)) {}
  bool empty() const { return policies_.empty(); }
  // Returns the episodes that started now (asset index -> lateness).
  std::map<std::size_t, Lateness> evaluate(orchestrate::Workspace& ws, EpochSeconds now, std::ostream& out);

 private:
  std::vector<FreshnessPolicy> policies_;
  // asset key -> whether its last recorded episode is open (read from the store once).
  std::map<std::string, bool> open_;
};

}  // namespace pond::automation
