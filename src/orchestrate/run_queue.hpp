#pragma once
// The run queue (pond.yml `run_queue:`): every asset run is queued in the run store and starts
// when the queue admits it (priority, then FIFO; at most max_concurrent_runs at once; per-tag
// limits). A foreground run waits for its own turn; `pond runs launch` runs the queued runs that
// no process waits for (`pond materialize --submit`).
#include <iosfwd>
#include <optional>
#include <string>

#include "exec/cancellation.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/run.hpp"
#include "orchestrate/workspace.hpp"
#include "runstore/run_store.hpp"

namespace pond::orchestrate {

runstore::QueueLimits queue_limits(const RunQueueConfig& config);

// The tag `pond/priority` sets a run's priority like --priority (a whole number, else UserError).
int priority_of(int flag, const std::map<std::string, std::string>& tags);

// Queues the run (owned by this process) and waits until this process claims it. Returns false
// when it was cancelled while queued (`pond runs cancel`, Ctrl-C: the run is marked cancelled).
bool wait_in_queue(Workspace& ws, const RunRequest& request, exec::Cancellation& cancel, std::ostream& out);

// Queues the run for any launcher (`pond materialize --submit`); returns its id.
std::string submit_run(Workspace& ws, RunRequest request);

// `pond runs launch`: claims and executes queued runs that no process waits for, one at a time,
// until none is left (runs held back by the limits are waited for). Returns the worst exit code
// (0 when there was nothing to launch; 130 cancelled).
int launch_queued_runs(Workspace& ws, exec::Cancellation& cancel, std::ostream& out);

// Claims one queued run that no process waits for (under the queue's limits) and executes it;
// returns its exit code, or nullopt when none may start now. `pond runs launch` and the daemon.
std::optional<int> launch_next_queued_run(Workspace& ws, exec::Cancellation& cancel, std::ostream& out);
// Whether runs that no process waits for are queued (some may be held back by the limits).
bool detached_runs_queued(runstore::RunStore& store);

}  // namespace pond::orchestrate
