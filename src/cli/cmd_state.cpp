// `pond state prune [--dry-run]`: pond.yml's retention applied to the run store.
#include <chrono>
#include <iostream>

#include "cli/commands.hpp"
#include "orchestrate/retention.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::cli {

int run_state_prune(CommandContext& ctx, const StatePruneOptions& options) {
  orchestrate::Workspace ws(ctx.options);
  return orchestrate::prune_state(ws, options.dry_run, std::chrono::system_clock::now(), std::cout);
}

}  // namespace pond::cli
