#pragma once
// Steps that run the materialize layer: what `pond run/build/seed/snapshot/test` hand to the
// executor once the manifest has been turned into specs.
#include "materialize/data_test.hpp"
#include "materialize/relation_cache.hpp"
#include "materialize/seed.hpp"
#include "materialize/snapshot.hpp"
#include "materialize/spec.hpp"
#include "orchestrate/step.hpp"

namespace pond::orchestrate {

// "sql table model", "sql incremental model", ... (dbt's progress-line wording).
std::string model_description(const materialize::ModelSpec& spec);

class ModelStep : public Step {
 public:
  ModelStep(materialize::ModelSpec spec, std::vector<std::string> depends_on,
            const materialize::RunOptions& options);
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override;

 private:
  StepInfo info_;
  materialize::ModelSpec spec_;
  const materialize::RunOptions& options_;
};

class SeedStep : public Step {
 public:
  SeedStep(materialize::SeedSpec spec, const materialize::RunOptions& options);
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override;

 private:
  StepInfo info_;
  materialize::SeedSpec spec_;
  const materialize::RunOptions& options_;
};

class SnapshotStep : public Step {
 public:
  SnapshotStep(materialize::SnapshotSpec spec, std::vector<std::string> depends_on,
               const materialize::RunOptions& options);
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override;

 private:
  StepInfo info_;
  materialize::SnapshotSpec spec_;
  const materialize::RunOptions& options_;
};

// An on-run-start / on-run-end hook (dbt's operation node): statements run in order.
class OperationStep : public Step {
 public:
  OperationStep(std::string unique_id, std::vector<std::string> statements);
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override;

 private:
  StepInfo info_;
  std::vector<std::string> statements_;
};

class TestStep : public Step {
 public:
  // asset_key: the model (or source) the test checks.
  TestStep(materialize::TestSpec spec, std::vector<std::string> depends_on, std::string asset_key,
           materialize::RelationCache* cache = nullptr);
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override;

 private:
  StepInfo info_;
  materialize::TestSpec spec_;
  materialize::RelationCache* cache_;
};

}  // namespace pond::orchestrate
