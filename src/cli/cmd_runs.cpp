// `pond runs` and `pond runs show ID`: the run store of the project (pond.yml's `state:`,
// default .pond/state.db).
#include <fmt/format.h>

#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/table_output.hpp"
#include "common/error.hpp"
#include "orchestrate/cancel_run.hpp"
#include "orchestrate/reexecute.hpp"
#include "orchestrate/run_queue.hpp"
#include "orchestrate/workspace.hpp"
#include "project/project_locator.hpp"
#include "runstore/run_store.hpp"
#include "state/database.hpp"

namespace pond::cli {

namespace {

// The run store pond.yml's `state:` names (default .pond/state.db): its root and spec.
std::pair<std::filesystem::path, std::string> state_spec(const GlobalOptions& options) {
  std::filesystem::path start = options.project_dir.value_or(std::filesystem::current_path());
  std::filesystem::path root = project::find_project_root(start);
  return {root, orchestrate::load_pond_config(root).state};
}

bool is_postgres(const std::string& spec) {
  return spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0;
}

engine::ColumnType text_type() {
  return {engine::TypeId::kVarchar, "VARCHAR"};
}
// Counts, ids and row numbers are BIGINT so that JSON output keeps them integers (a DOUBLE
// column prints 1 as 1.0 and a lake snapshot id as 1e+18).
engine::ColumnType integer_type() {
  return {engine::TypeId::kBigInt, "BIGINT"};
}
engine::ColumnType double_type() {
  return {engine::TypeId::kDouble, "DOUBLE"};
}

std::optional<double> epoch_seconds(const std::string& iso) {
  std::tm tm{};
  std::istringstream in(iso.substr(0, 19));
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  double frac = 0;
  if (iso.size() > 20 && iso[19] == '.') {
    std::size_t end = iso.find_first_not_of("0123456789", 20);
    frac = std::stod("0" + iso.substr(19, end == std::string::npos ? std::string::npos : end - 19));
  }
  return static_cast<double>(timegm(&tm)) + frac;
}

// "12.34s" between two ISO-8601 UTC timestamps; empty while the run is unfinished.
std::string duration(const std::string& start, const std::string& end) {
  auto a = epoch_seconds(start), b = epoch_seconds(end);
  if (!a || !b) return "";
  return fmt::format("{:.2f}s", *b - *a);
}

void print(const TextTable& table, OutputFormat format) {
  if (format == OutputFormat::kJson)
    print_json(std::cout, table);
  else if (format == OutputFormat::kCsv)
    print_csv(std::cout, table);
  else
    print_table(std::cout, table);
}

std::optional<std::string> opt_number(const std::optional<std::int64_t>& v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}

}  // namespace

int run_runs(CommandContext& ctx, const RunsOptions& options) {
  if (options.launch) {
    orchestrate::Workspace ws(ctx.options);
    return orchestrate::launch_queued_runs(ws, ctx.cancel, std::cout);
  }
  if (options.reexecute_id) {
    orchestrate::Workspace ws(ctx.options);
    return orchestrate::reexecute_run(ws, *options.reexecute_id, options.failed_only, ctx.cancel, std::cout);
  }
  OutputFormat format = parse_output_format(options.output);
  auto [root, spec] = state_spec(ctx.options);
  std::filesystem::path path = is_postgres(spec) ? std::filesystem::path() : root / spec;
  if (!is_postgres(spec) && !std::filesystem::exists(path)) {
    if (options.show_id) throw UserError("no run '" + *options.show_id + "': no run has been recorded yet");
    if (options.cancel_id)
      throw UserError("no run '" + *options.cancel_id + "': no run has been recorded yet");
    if (format == OutputFormat::kTable)
      std::cout << "No runs recorded yet (" << path.string() << ").\n";
    else
      print(TextTable{}, format);
    return 0;
  }
  std::optional<runstore::RunStore> opened;
  try {
    opened.emplace(runstore::RunStore::open_spec(spec, root));
  } catch (const state::Error& e) {
    throw UserError(SourceLocation{"pond.yml"},
                    "cannot open the run store (state: " + state::redact_conninfo(spec) + "): " + e.what());
  }
  runstore::RunStore& store = *opened;
  store.mark_crashed_runs();  // runs whose process died show as crashed, not running

  if (options.cancel_id) {
    orchestrate::CancelResult r = orchestrate::cancel_run(store, *options.cancel_id);
    if (r.outcome == orchestrate::CancelOutcome::kCancelledQueued)
      std::cout << "Cancelled queued run " << r.run_id << "\n";
    else if (r.outcome == orchestrate::CancelOutcome::kNotRunning)
      std::cout << "Run " << r.run_id << " is not running (" << r.status << ")\n";
    else
      std::cout << "Asked run " << r.run_id << " to stop (its process cancels it within a second)\n";
    return 0;
  }

  if (!options.show_id) {
    TextTable t;
    t.columns = {"run_id", "command", "status", "started_at", "duration", "selection", "summary"};
    t.types.assign(t.columns.size(), text_type());
    for (const auto& r : store.recent_runs(options.limit)) {
      std::string summary;
      auto j = nlohmann::json::parse(r.summary_json, nullptr, false);
      if (j.is_object() && j.contains("counts")) {
        for (auto& [k, v] : j["counts"].items()) summary += (summary.empty() ? "" : " ") + k + "=" + v.dump();
      }
      t.rows.push_back({r.run_id, r.command, r.status, r.started_at, duration(r.started_at, r.finished_at),
                        r.selection, summary});
    }
    print(t, format);
    return 0;
  }

  std::optional<runstore::RunRecord> run;
  try {
    run = store.find_run(*options.show_id);
  } catch (const std::exception& e) {
    throw UserError(e.what(), "give more characters of the run id (see pond runs)");
  }
  if (!run) throw UserError("no run '" + *options.show_id + "'", "list the recent runs with: pond runs");
  TextTable steps;
  steps.columns = {"#", "step", "type", "status", "duration_ms", "rows", "failures", "snapshot", "message"};
  steps.types = {integer_type(), text_type(),    text_type(),    text_type(), double_type(),
                 integer_type(), integer_type(), integer_type(), text_type()};
  for (const auto& s : store.steps_of(run->run_id)) {
    std::optional<std::string> ms;
    if (s.duration_ms) ms = fmt::format("{:.1f}", *s.duration_ms);
    std::string message = s.message.substr(0, s.message.find('\n'));
    steps.rows.push_back({std::to_string(s.step_index), s.step_key, s.resource_type, s.status, ms,
                          opt_number(s.rows_affected), opt_number(s.failures), opt_number(s.lake_snapshot),
                          message});
  }
  if (format == OutputFormat::kTable) {
    std::cout << fmt::format("run {}\n  command:  {}\n  status:   {}\n  started:  {}\n  finished: {}\n",
                             run->run_id, run->command, run->status, run->started_at, run->finished_at);
    if (!run->selection.empty()) std::cout << "  select:   " << run->selection << "\n";
    if (!run->target.empty()) std::cout << "  target:   " << run->target << "\n";
    if (!run->parent_run_id.empty()) std::cout << "  retry of: " << run->parent_run_id << "\n";
    std::cout << "\n";
  }
  print(steps, format);
  return 0;
}

}  // namespace pond::cli
