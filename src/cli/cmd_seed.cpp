// `pond seed`: loads the selected seeds.
#include "cli/commands.hpp"
#include "cli/run_command.hpp"

namespace pond::cli {

int run_seed(CommandContext& ctx, const ExecOptions& options) {
  return run_project_command(ctx, options, "seed", RunKinds{false, true, false, false});
}

}  // namespace pond::cli
