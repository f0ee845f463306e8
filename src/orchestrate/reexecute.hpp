#pragma once
// `pond runs reexecute ID [--failed]`: a recorded asset run again, as a new run whose parent is
// the old one: the same assets at the same partition scope (and vars, tags, priority), or with
// --failed only the assets whose step (or check) failed, was skipped or never finished.
#include <iosfwd>
#include <optional>
#include <string>

#include "exec/cancellation.hpp"
#include "orchestrate/run.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::orchestrate {

// The run a re-execution would start: `request` (its parent set, trigger "reexecute"), or none
// with `message` saying why (--failed found no failed, skipped or unfinished step). Throws
// UserError for an unknown run, one still queued or running, or one that was not an asset run.
struct Reexecution {
  std::optional<RunRequest> request;
  std::string parent_run_id;
  std::string message;
};
Reexecution plan_reexecute(Workspace& ws, const std::string& id_or_prefix, bool failed_only);

// Returns the new run's exit code (0 also when --failed finds nothing to run).
int reexecute_run(Workspace& ws, const std::string& id_or_prefix, bool failed_only,
                  exec::Cancellation& cancel, std::ostream& out);

}  // namespace pond::orchestrate
