#pragma once
// What a dbt node's step carries besides the executor's generic fields: where its SQL goes under
// target/run/, and what run_results.json reports (compiled code, executed SQL, microbatch
// windows). Only the dbt task layer's listeners read these.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "exec/step.hpp"

namespace pond::dbt {

// Static details of a node's step.
struct NodeInfo final : exec::StepDetails {
  std::string run_path;  // file under target/run/ (default: from the id)
};

// What a node's step did besides its generic outcome.
struct NodeOutcome final : exec::StepDetails {
  std::string compiled_code;              // the node's compiled SQL, for run_results
  std::vector<std::string> executed_sql;  // statements run, for target/run/
  bool compile_failed = false;            // compiling it right before it ran failed
  // Microbatch models: the [start, end) windows that committed and that failed.
  std::vector<std::pair<std::string, std::string>> batches_ok;
  std::vector<std::pair<std::string, std::string>> batches_failed;
};

// The details of a step made by this layer, or null (a step of another part).
const NodeInfo* node_info(const exec::StepInfo& info);
const NodeOutcome* node_outcome(const exec::StepOutcome& outcome);

// The asset a step builds or checks ("main.customers"), empty when none.
std::string asset_of(const exec::StepInfo& info);

}  // namespace pond::dbt
