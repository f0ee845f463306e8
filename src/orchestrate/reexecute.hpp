#pragma once
// `pond runs reexecute ID [--failed]`: a recorded asset run again, as a new run whose parent is
// the old one: the same assets at the same partition scope (and vars, tags, priority), or with
// --failed only the assets whose step (or check) failed, was skipped or never finished.
#include <iosfwd>
#include <string>

#include "exec/cancellation.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::orchestrate {

// Returns the new run's exit code (0 also when --failed finds nothing to run).
int reexecute_run(Workspace& ws, const std::string& id_or_prefix, bool failed_only,
                  exec::Cancellation& cancel, std::ostream& out);

}  // namespace pond::orchestrate
