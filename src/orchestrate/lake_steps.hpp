#pragma once
// Steps of a lake target (profile `lake:`): models, seeds and snapshots committed to the lake,
// each reporting the lake snapshot its commit created.
#include "lake_target/lake_target.hpp"
#include "materialize/seed.hpp"
#include "materialize/snapshot.hpp"
#include "materialize/spec.hpp"
#include "orchestrate/step.hpp"

namespace pond::orchestrate {

class LakeModelStep : public Step {
 public:
  LakeModelStep(materialize::ModelSpec spec, std::vector<std::string> depends_on,
                const materialize::RunOptions& options, lake_target::LakeTarget& lake);
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override;

 private:
  StepInfo info_;
  materialize::ModelSpec spec_;
  const materialize::RunOptions& options_;
  lake_target::LakeTarget& lake_;
};

class LakeSeedStep : public Step {
 public:
  LakeSeedStep(materialize::SeedSpec spec, const materialize::RunOptions& options,
               lake_target::LakeTarget& lake);
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override;

 private:
  StepInfo info_;
  materialize::SeedSpec spec_;
  const materialize::RunOptions& options_;
  lake_target::LakeTarget& lake_;
};

class LakeSnapshotStep : public Step {
 public:
  LakeSnapshotStep(materialize::SnapshotSpec spec, std::vector<std::string> depends_on,
                   const materialize::RunOptions& options, lake_target::LakeTarget& lake);
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override;

 private:
  StepInfo info_;
  materialize::SnapshotSpec spec_;
  const materialize::RunOptions& options_;
  lake_target::LakeTarget& lake_;
};

}  // namespace pond::orchestrate
