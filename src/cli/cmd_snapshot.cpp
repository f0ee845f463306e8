// `pond snapshot`: takes the selected snapshots.
#include "cli/commands.hpp"
#include "cli/run_command.hpp"

namespace pond::cli {

int run_snapshot(CommandContext& ctx, const ExecOptions& options) {
  return run_project_command(ctx, options, "snapshot", RunKinds{false, false, true, false});
}

}  // namespace pond::cli
