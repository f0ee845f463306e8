#pragma once
// Partition mappings between an asset and an upstream asset (identity, all, last, time_window
// with offsets across grains, static key maps): which upstream partitions a downstream scope
// reads, and which downstream partitions read an upstream scope. The mapping's type is the
// resolved one (AssetGraph replaces "default").
#include "orchestrate/config.hpp"
#include "orchestrate/partitions.hpp"

namespace pond::orchestrate {

// `up`/`down` null: unpartitioned.
PartitionSubset map_upstream(const MappingConfig& m, const PartitionsDefinition* up,
                             const PartitionsDefinition* down, const PartitionScope& down_scope,
                             EpochSeconds now);
PartitionSubset map_downstream(const MappingConfig& m, const PartitionsDefinition* up,
                               const PartitionsDefinition* down, const PartitionScope& up_scope,
                               EpochSeconds now);

}  // namespace pond::orchestrate
