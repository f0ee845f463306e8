// `pond seed`: loads the selected seeds.
#include "cli/commands.hpp"
#include "dbt/run_task.hpp"

namespace pond::cli {

int run_seed(CommandContext& ctx, const ExecOptions& options) {
  return dbt::run_project_command(ctx, options, "seed", dbt::PlanKinds{false, true, false, false});
}

}  // namespace pond::cli
