#pragma once
// What a step running a microbatch model gives the materialization: batch progress reported
// to the executor's listener, the database and thread count for concurrent batches.
#include "materialize/microbatch_run.hpp"
#include "orchestrate/step.hpp"

namespace pond::orchestrate {

// The context refers to `ctx`; use it only while the step runs.
materialize::BatchContext batch_context(StepContext& ctx);

}  // namespace pond::orchestrate
