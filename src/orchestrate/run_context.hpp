#pragma once
// What every step of one asset run shares: the run's id and folders, the target's lake, the
// partitions the run materializes, and where step events (a command's output lines, retries) go.
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "lake/lake.hpp"
#include "orchestrate/partitions.hpp"
#include "runstore/run_store.hpp"

namespace pond::materialize {
class LakeTarget;
}

namespace pond::orchestrate {

struct RunContext {
  std::string run_id;
  std::filesystem::path project_root;
  std::filesystem::path run_dir;            // <project>/.pond/runs/<run id>: command outputs and pipes files
  materialize::LakeTarget* lake = nullptr;  // the target's lake, or null
  std::optional<lake::LakeConfig> lake_config;
  // The run's partitions: assets with this definition materialize `scope`.
  const PartitionsDefinition* partitions = nullptr;
  PartitionScope scope;
  std::function<void(runstore::EventRecord)> event;  // thread-safe
  // pond.yml pools: a step of a pool waits for a slot held across runs in the run store, through
  // a connection of its own.
  std::map<std::string, int> pool_limits;
  std::function<runstore::RunStore()> open_store;
};

// The scope an asset materializes in the run: the run's scope when the asset has the run's
// partitions (or the same shape), nullopt when it is unpartitioned.
std::optional<PartitionScope> scope_of(const RunContext& run, const PartitionsDefinition* asset_partitions);

// Environment variables (commands) and vars (dbt) that give a scope to the code:
// partition_key (one partition), partition_key_start/end (first and last key), partition_start/
// partition_end (the window, local wall time of the definition's time zone) and *_utc, and one
// partition_key_<dimension> per dimension of a two-dimensional definition.
std::map<std::string, std::string> partition_values(const PartitionsDefinition& def,
                                                    const PartitionScope& scope);

}  // namespace pond::orchestrate
