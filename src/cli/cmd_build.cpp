// `pond build`: seeds, models, snapshots and tests in DAG order, tests right after their parents.
#include "cli/commands.hpp"
#include "dbt/run_task.hpp"

namespace pond::cli {

int run_build(CommandContext& ctx, const ExecOptions& options) {
  return dbt::run_project_command(ctx, options, "build", dbt::PlanKinds{true, true, true, true});
}

}  // namespace pond::cli
