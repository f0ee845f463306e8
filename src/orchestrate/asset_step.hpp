#pragma once
// A step of an asset run, around the step of the part that knows how to build the asset (a dbt
// node's, a command's): it adds the dependencies on steps of other parts, the asset's pool and
// retry policy, and puts the run's partition and the asset's code version on what it reports.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exec/step.hpp"
#include "orchestrate/asset_graph.hpp"
#include "orchestrate/run_context.hpp"

namespace pond::orchestrate {

class AssetStep : public exec::Step {
 public:
  // `assets`: what the run materializes, by key (for partitions and code versions).
  AssetStep(exec::Step& inner, std::vector<std::string> extra_depends_on, const AssetNode* asset,
            const std::map<std::string, const AssetNode*>& assets, RunContext& run);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;

 private:
  exec::StepOutcome attempt(exec::StepContext& ctx);
  exec::Step& inner_;
  const AssetNode* asset_;
  const std::map<std::string, const AssetNode*>& assets_;
  RunContext& run_;
  exec::StepInfo info_;
};

// How long to wait before attempt `n` (2 = the first retry).
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int n);

}  // namespace pond::orchestrate
