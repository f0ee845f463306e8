// `pond backfill` (a new backfill, `resume ID`, `cancel ID`) and `pond backfills`, through the
// orchestrator library.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/table_output.hpp"
#include "orchestrate/backfill.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::cli {

int run_backfill(CommandContext& ctx, const BackfillCliOptions& options) {
  orchestrate::Workspace ws(ctx.options);
  if (options.resume_id) return orchestrate::resume_backfill(ws, *options.resume_id, ctx.cancel, std::cout);
  if (options.cancel_id) return orchestrate::cancel_backfill(ws, *options.cancel_id, std::cout);
  if (!options.from || !options.to)
    throw UserError("pond backfill needs --from and --to (partition keys, inclusive)",
                    "e.g. pond backfill -s daily_visits --from 2026-03-01 --to 2026-03-31");
  orchestrate::BackfillOptions o;
  o.select = options.select;
  o.exclude = options.exclude;
  o.from = *options.from;
  o.to = *options.to;
  o.mode = options.mode;
  o.policy = options.policy;
  o.reverse = options.reverse;
  o.dry_run = options.dry_run;
  o.vars = options.vars;
  o.threads = options.threads;
  return orchestrate::backfill(ws, o, ctx.cancel, std::cout);
}

int run_backfills(CommandContext& ctx, const BackfillsOptions& options) {
  OutputFormat format = parse_output_format(options.output);
  orchestrate::Workspace ws(ctx.options);
  runstore::RunStore& store = ws.store();
  TextTable t;
  t.columns = {"backfill_id", "status", "created_at", "selection", "partitions", "range",
               "mode",        "policy", "runs_done",  "runs",      "failed",     "partitions_done"};
  engine::ColumnType text{engine::TypeId::kVarchar, "VARCHAR"}, integer{engine::TypeId::kBigInt, "BIGINT"};
  t.types = {text, text, text, text, text, text, text, text, integer, integer, integer, text};
  for (auto b : store.recent_backfills(options.limit)) {
    // A running backfill whose process is gone shows as interrupted (resume it).
    if (b.status == "running" && !store.backfill_process_alive(b)) b.status = "interrupted";
    std::int64_t done = 0, failed = 0, parts = 0, parts_done = 0;
    auto runs = store.backfill_runs(b.backfill_id);
    for (const auto& r : runs) {
      parts += r.partitions;
      if (r.status == "success") {
        ++done;
        parts_done += r.partitions;
      }
      failed += r.status == "failed";
    }
    t.rows.push_back({b.backfill_id, b.status, b.created_at, b.selection, b.partitions,
                      b.range_from + "..." + b.range_to, b.mode, b.policy, std::to_string(done),
                      std::to_string(runs.size()), std::to_string(failed),
                      std::to_string(parts_done) + "/" + std::to_string(parts)});
  }
  if (format == OutputFormat::kTable && t.rows.empty()) {
    std::cout << "No backfills recorded yet.\n";
    return 0;
  }
  print_as(std::cout, t, format);
  return 0;
}

}  // namespace pond::cli
