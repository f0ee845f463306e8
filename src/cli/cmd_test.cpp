// `pond test`: runs the selected data tests.
#include "cli/commands.hpp"
#include "cli/run_command.hpp"

namespace pond::cli {

int run_test(CommandContext& ctx, const ExecOptions& options) {
  return run_project_command(ctx, options, "test", RunKinds{false, false, false, true});
}

}  // namespace pond::cli
