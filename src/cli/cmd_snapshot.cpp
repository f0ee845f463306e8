// `pond snapshot`: takes the selected snapshots.
#include "cli/commands.hpp"
#include "dbt/run_task.hpp"

namespace pond::cli {

int run_snapshot(CommandContext& ctx, const ExecOptions& options) {
  return dbt::run_project_command(ctx, options, "snapshot", dbt::PlanKinds{false, false, true, false});
}

}  // namespace pond::cli
