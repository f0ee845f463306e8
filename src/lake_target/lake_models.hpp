#pragma once
// The materializations of a lake target: table, view, incremental (append, delete+insert,
// merge), seeds and snapshots written as lake commits (docs/materialize.md, "Models into the
// lake"). Each build is one lake snapshot, all or nothing.
#include <cstdint>
#include <optional>

#include "lake_target/lake_target.hpp"
#include "materialize/seed.hpp"
#include "materialize/session.hpp"
#include "materialize/snapshot.hpp"
#include "materialize/spec.hpp"

namespace pond::lake_target {

// What a lake build did: the usual result plus the snapshot it committed (nullopt when it
// changed nothing in the lake).
struct LakeBuild {
  materialize::MaterializeResult result;
  std::optional<std::int64_t> snapshot;
};

// Whether a model is built in the lake: table, view and incremental models whose relation
// the lake holds (ephemeral models are inlined; external models keep writing their files).
bool builds_in_lake(const LakeTarget& target, const materialize::ModelSpec& spec);

LakeBuild build_model(materialize::Session& session, LakeTarget& target, const materialize::ModelSpec& spec,
                      const materialize::RunOptions& options);
// One lake snapshot per event-time batch (lake_microbatch.cpp); `exists`: the table is in the lake.
LakeBuild build_microbatch(materialize::Session& session, LakeTarget& target,
                           const materialize::ModelSpec& spec, const materialize::RunOptions& options,
                           lake::Lake& lake, bool exists);
LakeBuild load_seed(materialize::Session& session, LakeTarget& target, const materialize::SeedSpec& spec,
                    const materialize::RunOptions& options);
LakeBuild take_snapshot(materialize::Session& session, LakeTarget& target,
                        const materialize::SnapshotSpec& spec, const materialize::RunOptions& options);

}  // namespace pond::lake_target
