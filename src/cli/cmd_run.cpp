// `pond run`: builds the selected models.
#include "cli/commands.hpp"
#include "dbt/run_task.hpp"

namespace pond::cli {

int run_run(CommandContext& ctx, const ExecOptions& options) {
  return dbt::run_project_command(ctx, options, "run", dbt::PlanKinds{true, false, false, false});
}

}  // namespace pond::cli
