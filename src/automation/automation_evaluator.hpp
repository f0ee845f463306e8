#pragma once
// The daemon's declarative automation (pond.yml `automation:`): at each evaluation, every
// automated asset's conditions are evaluated against one read of the run store; the runs they
// request, each asset's evaluation (with its reason) and the on_cron cursors are recorded in one
// transaction with the tick (source "automation"), so that no tick runs twice after any crash.
// An evaluation is recorded when it requests runs or its reason changed since the asset's last
// recorded one (a daemon evaluating every 30 s would otherwise write the same row all day); the
// time of the last evaluation is the cursor of source "automation".
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automation/schedule_ticks.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/status.hpp"
#include "orchestrate/workspace.hpp"
#include "runstore/run_store.hpp"

namespace pond::automation {

// The source of automation ticks in `automation_ticks`, and the cursor of the last evaluation.
inline constexpr const char* kAutomationSource = "automation";
// "automation:KEY": where an asset's on_cron cursor is kept.
std::string automation_source(const std::string& asset_key);

struct AutomatedAsset {
  std::size_t asset = 0;
  const orchestrate::AutomationConfig* config = nullptr;
};

// The assets pond.yml automates, in topological order. Throws UserError at the pond.yml line for
// an asset automated twice, a block that selects no asset, latest_time_window_only on an asset
// without a time dimension.
std::vector<AutomatedAsset> automated_assets(const orchestrate::Workspace& ws);

class AutomationEvaluator {
 public:
  explicit AutomationEvaluator(const orchestrate::Workspace& ws);
  bool empty() const { return assets_.empty(); }
  // Evaluates every automated asset at `now`; returns how many runs it queued.
  int evaluate(orchestrate::Workspace& ws, EpochSeconds now, std::ostream& out);
  // The first on_cron tick after `now` of any automated asset.
  std::optional<EpochSeconds> next_cron_tick(EpochSeconds now) const;

 private:
  std::vector<AutomatedAsset> assets_;
  // The latest recorded evaluation per asset key (read from the store once, then kept).
  std::optional<std::map<std::string, runstore::AutomationEvaluation>> last_;
  // What the conditions read, kept across evaluations and refreshed (the partition stretches
  // are read again only when they changed): a tick over 10,000 assets stays in milliseconds.
  std::optional<orchestrate::StoreSnapshot> snapshot_;
  // The on_cron cursors by source (this daemon is their only writer: read once, then kept).
  std::map<std::string, std::optional<EpochSeconds>> cron_cursors_;
};

}  // namespace pond::automation
