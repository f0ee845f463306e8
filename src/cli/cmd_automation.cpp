// `pond automation`: the assets pond.yml automates (`automation:`) with their conditions and the
// daemon's last recorded evaluation; `explain ASSET`: its recorded evaluations, most recent
// first, each with why it did or did not run.
#include <chrono>
#include <iostream>

#include "automation/automation_evaluator.hpp"
#include "automation/freshness.hpp"
#include "automation/schedule_evaluator.hpp"
#include "cli/commands.hpp"
#include "cli/table_output.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::cli {

namespace {

std::string conditions_text(const orchestrate::AutomationConfig& c) {
  std::string s;
  auto add = [&](const std::string& x) { s += (s.empty() ? "" : ", ") + x; };
  if (!c.on_cron.empty())
    add("on_cron \"" + c.on_cron + "\"" + (c.timezone != "UTC" ? " " + c.timezone : ""));
  if (c.eager) add("eager");
  if (c.on_missing) add("on_missing");
  if (c.unless_in_progress) add("unless in_progress");
  if (c.unless_upstream_checks_failed) add("unless upstream_checks_failed");
  if (c.latest_time_window_only) add("latest_time_window_only");
  return s;
}

std::string runs_text(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : " ") + id;
  return s;
}

}  // namespace

int run_automation(CommandContext& ctx, const AutomationCliOptions& options) {
  orchestrate::Workspace ws(ctx.options);
  const auto& g = ws.graph();
  const auto automated = automation::automated_assets(ws);
  runstore::RunStore& store = ws.store();
  engine::ColumnType text{engine::TypeId::kVarchar, "VARCHAR"};
  TextTable t;
  if (!options.explain.empty()) {
    auto found = g.find(options.explain);
    if (!found) {
      std::string guess = closest_match(options.explain, g.names());
      throw UserError(
          "the project has no asset '" + options.explain + "'",
          guess.empty() ? "pond automation lists the automated assets" : "did you mean '" + guess + "'?");
    }
    const orchestrate::AutomationConfig* config = nullptr;
    for (const auto& a : automated)
      if (a.asset == *found) config = a.config;
    const orchestrate::FreshnessConfig* policy = nullptr;
    for (const auto& p : automation::freshness_policies(ws))
      if (p.asset == *found) policy = p.config;
    if (!config && !policy)
      throw UserError("asset '" + g.node(*found).name + "' has no automation",
                      "add automation: (or freshness:) to it, or a root block selecting it, in pond.yml");
    auto last = store.automation_state(automation::kAutomationSource).cursor;
    if (parse_output_format(options.output) == OutputFormat::kTable) {
      if (config)
        std::cout << g.node(*found).name << ": " << conditions_text(*config) << " ("
                  << config->where.to_string() << ")\n";
      if (policy) {
        // Lateness episodes: the daemon records when the asset became late and when it was fresh again.
        std::cout << g.node(*found).name << ": freshness max_lag "
                  << std::chrono::duration_cast<std::chrono::minutes>(policy->max_lag).count() << "m"
                  << (policy->deadline.empty()
                          ? ""
                          : " before each \"" + policy->deadline + "\" " + policy->timezone)
                  << " (" << policy->where.to_string() << ")\n";
        for (const auto& e : store.recent_ticks(automation::freshness_source(g.node(*found).key), 10))
          std::cout << "  " << (e.status == "late" ? "late since " : "fresh again at ")
                    << (e.tick_at == 0 ? std::string("(never materialized)")
                                       : automation::utc_minute_text(e.tick_at))
                    << (e.status == "late" ? ": " + e.reason : std::string()) << "\n";
      }
      std::cout << "Last evaluated: "
                << (last ? automation::utc_minute_text(std::stoll(*last))
                         : std::string("never (is pond daemon running?)"))
                << "; an evaluation is recorded when it requests runs or its reason changes.\n";
    }
    t.columns = {"evaluated_utc", "requested", "condition", "partitions", "runs", "reason"};
    t.types.assign(t.columns.size(), text);
    for (const auto& e : store.automation_evaluations(g.node(*found).key, options.limit))
      t.rows.push_back({automation::utc_minute_text(e.tick_at), e.requested ? "yes" : "no", e.condition,
                        e.partitions, runs_text(e.run_ids), e.reason});
  } else {
    t.columns = {"asset", "conditions", "last_evaluated_utc", "requested", "reason"};
    t.types.assign(t.columns.size(), text);
    auto latest = store.latest_automation_evaluations();
    for (const auto& a : automated) {
      const auto& node = g.node(a.asset);
      auto it = latest.find(node.key);
      if (it == latest.end()) {
        t.rows.push_back({node.name, conditions_text(*a.config), "", "", ""});
        continue;
      }
      t.rows.push_back({node.name, conditions_text(*a.config),
                        automation::utc_minute_text(it->second.tick_at), it->second.requested ? "yes" : "no",
                        it->second.reason});
    }
  }
  print_as(std::cout, t, parse_output_format(options.output));
  return 0;
}

}  // namespace pond::cli
