// `pond status`: each asset's last materialization, partitions and whether it is stale and why.
#include <chrono>
#include <iostream>

#include "automation/freshness.hpp"
#include "cli/commands.hpp"
#include "cli/table_output.hpp"
#include "orchestrate/select.hpp"
#include "orchestrate/status.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::cli {

int run_status(CommandContext& ctx, const StatusOptions& options) {
  orchestrate::Workspace ws(ctx.options);
  const orchestrate::AssetGraph& g = ws.graph();
  auto assets = orchestrate::select_assets(g, options.select, options.exclude);
  auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto snapshot = orchestrate::StoreSnapshot::read(ws.store());
  auto statuses = orchestrate::asset_status(g, snapshot, assets, now);
  // Freshness policies (pond.yml freshness:): "late: why" or "fresh"; empty without a policy.
  const auto policies = automation::freshness_policies(ws);
  const auto lateness = automation::evaluate_freshness(ws, policies, ws.store(), now);
  TextTable t;
  t.columns = {"asset", "kind", "status", "partitions", "last_materialized", "freshness", "why"};
  engine::ColumnType text{engine::TypeId::kVarchar, "VARCHAR"};
  t.types.assign(t.columns.size(), text);
  for (const auto& s : statuses) {
    const auto& a = g.node(s.asset);
    std::string parts;
    if (a.partitions) {
      parts = std::to_string(s.materialized) + "/" + std::to_string(s.total) + " " + a.partitions->name();
      if (s.failed) parts += ", " + std::to_string(s.failed) + " failed";
      if (s.in_progress) parts += ", " + std::to_string(s.in_progress) + " running";
      if (s.stale) parts += ", " + std::to_string(s.stale) + " stale";
    }
    std::string why;
    for (const auto& r : s.reasons) why += (why.empty() ? "" : "; ") + r;
    std::string fresh;
    if (auto l = lateness.find(s.asset); l != lateness.end())
      fresh = l->second.late ? "late: " + l->second.reason : "fresh";
    t.rows.push_back({a.name, std::string(orchestrate::kind_name(a.kind)), s.state, parts,
                      s.last_materialized.empty() ? std::optional<std::string>() : s.last_materialized, fresh,
                      why});
  }
  print_as(std::cout, t, parse_output_format(options.output));
  return 0;
}

}  // namespace pond::cli
