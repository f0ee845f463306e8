#pragma once
// An ingest resource as a step of the executor: one load (ingest/load.hpp) into the target's
// lake, reported as the asset's materialization (rows, bytes, snapshot, load id, files).
#include <string>
#include <vector>

#include "exec/step.hpp"
#include "orchestrate/asset_graph.hpp"
#include "orchestrate/run_context.hpp"

namespace pond::orchestrate {

class IngestStep : public exec::Step {
 public:
  // `depends_on`: step ids of the resource's upstream steps in the run (none today).
  IngestStep(const AssetNode& asset, std::vector<std::string> depends_on, RunContext& run);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;

  static std::string step_id(const std::string& resource) { return "ingest." + resource; }

 private:
  const AssetNode& asset_;
  RunContext& run_;
  exec::StepInfo info_;
};

}  // namespace pond::orchestrate
