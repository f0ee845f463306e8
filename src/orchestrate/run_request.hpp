#pragma once
// A run request as the run store keeps it (the run's args_json): everything another process
// needs to run it again (a queued run launched by `pond runs launch`, `pond runs reexecute`).
#include <string>

#include "orchestrate/run.hpp"
#include "orchestrate/workspace.hpp"
#include "runstore/run_store.hpp"

namespace pond::orchestrate {

// The args_json of a run of `request` (dbt's run_results "args" keys, plus pond's).
std::string request_args(const Workspace& ws, const RunRequest& request);

// The run record a request is queued as (status and times are set by the store).
runstore::RunRecord request_record(Workspace& ws, const RunRequest& request);

// The request a recorded run was made of, against today's project: throws UserError when the
// run names an asset or partitions definition the project no longer has, or was not an asset
// run (pond build/run/...: re-run those with pond retry).
RunRequest request_of(const Workspace& ws, const runstore::RunRecord& run);

}  // namespace pond::orchestrate
