#pragma once
// `pond state prune [--dry-run]`: pond.yml's `retention:` applied to the run store.
#include <chrono>
#include <iosfwd>

#include "orchestrate/workspace.hpp"

namespace pond::orchestrate {

// Prunes what is older than the policy as of `now`; prints what it removed (or would).
int prune_state(Workspace& ws, bool dry_run, std::chrono::system_clock::time_point now, std::ostream& out);

}  // namespace pond::orchestrate
