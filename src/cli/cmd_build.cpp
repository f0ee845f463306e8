// `pond build`: seeds, models, snapshots and tests in DAG order, tests right after their parents.
#include "cli/commands.hpp"
#include "cli/run_command.hpp"

namespace pond::cli {

int run_build(CommandContext& ctx, const ExecOptions& options) {
  return run_project_command(ctx, options, "build", RunKinds{true, true, true, true});
}

}  // namespace pond::cli
