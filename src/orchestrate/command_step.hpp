#pragma once
// A command asset as a step of the executor: its process runs with the asset's environment
// (POND_ASSET, POND_RUN_ID, POND_PARTITION_*, the lake's catalog and data path, POND_OUTPUT and
// POND_PIPES), its output lines become run events, and after a zero exit what it wrote to
// POND_OUTPUT is committed to its lake table in one commit. JSON lines it writes to POND_PIPES
// report metadata and check results (Dagster Pipes' messages, without a library).
#include <string>
#include <vector>

#include "exec/step.hpp"
#include "orchestrate/asset_graph.hpp"
#include "orchestrate/run_context.hpp"

namespace pond::orchestrate {

class CommandStep : public exec::Step {
 public:
  // `depends_on`: step ids of the asset's upstream steps in the run.
  CommandStep(const AssetNode& asset, std::vector<std::string> depends_on, RunContext& run);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;

  static std::string step_id(const std::string& asset_name) { return "command." + asset_name; }

 private:
  // Commits the output file to the lake table; returns the materialization.
  exec::Materialization commit(exec::StepContext& ctx, const std::filesystem::path& output,
                               const std::optional<PartitionScope>& scope);
  void read_pipes(const std::filesystem::path& file, exec::StepOutcome& out, exec::Materialization& m) const;

  const AssetNode& asset_;
  RunContext& run_;
  exec::StepInfo info_;
};

}  // namespace pond::orchestrate
