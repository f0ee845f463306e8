#pragma once
// Cancelling a run from any process (`pond runs cancel ID`, the web UI): a queued run is
// cancelled at once and never starts; a running run gets a cancel request that its process
// turns into a cancellation (cancel_watch.hpp).
#include <string>

#include "runstore/run_store.hpp"

namespace pond::orchestrate {

enum class CancelOutcome {
  kCancelledQueued,  // it was queued: it is cancelled now
  kRequested,        // it is running: its process stops it within a second
  kNotRunning,       // it had finished already (status says how)
};

struct CancelResult {
  std::string run_id;
  std::string status;  // the run's status when the request was made
  CancelOutcome outcome = CancelOutcome::kNotRunning;
};

// By full run id or unique prefix. Throws UserError when no run matches or the prefix is ambiguous.
CancelResult cancel_run(runstore::RunStore& store, const std::string& id_or_prefix);

}  // namespace pond::orchestrate
