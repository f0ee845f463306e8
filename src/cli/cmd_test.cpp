// `pond test`: runs the selected data tests.
#include "cli/commands.hpp"
#include "dbt/run_task.hpp"

namespace pond::cli {

int run_test(CommandContext& ctx, const ExecOptions& options) {
  return dbt::run_project_command(ctx, options, "test", dbt::PlanKinds{false, false, false, true});
}

}  // namespace pond::cli
