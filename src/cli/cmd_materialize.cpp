// `pond materialize` (the asset graph, dbt nodes and command assets, in runs) and `pond
// partitions add|remove` (dynamic partition keys), through the orchestrator library.
#include <iostream>

#include "cli/commands.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/partition_keys.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::cli {

int run_materialize(CommandContext& ctx, const MaterializeCliOptions& options) {
  orchestrate::MaterializeOptions o;
  o.select = options.select;
  o.exclude = options.exclude;
  o.partition = options.partition;
  o.from = options.from;
  o.to = options.to;
  if (o.to && !o.from) throw UserError("--to needs --from");
  if (o.partition && o.from) throw UserError("give either --partition or --from/--to, not both");
  o.vars = options.vars;
  o.threads = options.threads;
  o.fail_fast = options.fail_fast;
  o.full_refresh = options.full_refresh;
  o.tags = parse_tags(options.tags);
  o.priority = options.priority;
  o.submit = options.submit;
  orchestrate::Workspace ws(ctx.options);
  return orchestrate::materialize(ws, o, ctx.cancel, std::cout);
}

int run_partitions(CommandContext& ctx, const PartitionsCliOptions& options) {
  orchestrate::Workspace ws(ctx.options);
  if (options.action == "add")
    return orchestrate::add_partition_keys(ws, options.definition, options.keys, std::cout);
  return orchestrate::remove_partition_keys(ws, options.definition, options.keys, std::cout);
}

std::map<std::string, std::string> parse_tags(const std::vector<std::string>& tags) {
  std::map<std::string, std::string> out;
  for (const auto& t : tags) {
    auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError("--tag '" + t + "' is not KEY=VALUE", "e.g. --tag team=finance");
    out[t.substr(0, eq)] = t.substr(eq + 1);
  }
  return out;
}

}  // namespace pond::cli
