// `pond run`: builds the selected models.
#include "cli/commands.hpp"
#include "cli/run_command.hpp"

namespace pond::cli {

int run_run(CommandContext& ctx, const ExecOptions& options) {
  return run_project_command(ctx, options, "run", RunKinds{true, false, false, false});
}

}  // namespace pond::cli
