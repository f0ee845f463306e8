#pragma once
// What a step running a microbatch model gives the materialization: batch progress reported
// to the executor's listener, the database and thread count for concurrent batches.
#include "exec/step.hpp"
#include "materialize/microbatch_run.hpp"

namespace pond::dbt {

// The context refers to `ctx`; use it only while the step runs.
materialize::BatchContext batch_context(exec::StepContext& ctx);

}  // namespace pond::dbt
