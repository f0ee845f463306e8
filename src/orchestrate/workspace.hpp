#pragma once
// A project loaded for orchestration: the dbt project (parsed, not compiled), pond.yml, the asset
// graph over both, and the run store that pond.yml's `state:` names. Every orchestrator command
// (materialize, status, backfill, partitions, runs) starts here.
#include <filesystem>
#include <memory>
#include <string>

#include "dbt/options.hpp"
#include "dbt/project.hpp"
#include "orchestrate/asset_graph.hpp"
#include "orchestrate/config.hpp"
#include "runstore/run_store.hpp"

namespace pond::orchestrate {

class Workspace {
 public:
  explicit Workspace(const dbt::GlobalOptions& options);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const dbt::GlobalOptions& options() const { return options_; }
  const std::filesystem::path& root() const { return root_; }
  dbt::LoadedProject& project() { return *project_; }
  const PondConfig& config() const { return config_; }
  const AssetGraph& graph() const { return *graph_; }
  runstore::RunStore& store() { return *store_; }
  // Opens another connection to the same run store (for another thread).
  runstore::RunStore open_store() const;

 private:
  dbt::GlobalOptions options_;
  std::unique_ptr<dbt::LoadedProject> project_;
  std::filesystem::path root_;
  PondConfig config_;
  std::unique_ptr<runstore::RunStore> store_;
  std::unique_ptr<AssetGraph> graph_;
};

}  // namespace pond::orchestrate
