// `pond source freshness`: for each selected source table with a freshness policy
// (`freshness: {warn_after, error_after, filter}` + `loaded_at_field`, or dbt 1.10's
// `loaded_at_query`), how long ago its newest row was loaded; dbt's progress lines, target/sources.json, a
// run in the run store. Exit 1 when a source is stale past error_after or its query fails.
#include <unistd.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_write.hpp"
#include "common/log.hpp"
#include "dbt/freshness.hpp"
#include "dbt/invocation.hpp"
#include "dbt/project.hpp"
#include "dbt/run_task.hpp"
#include "dbt/tasks.hpp"
#include "engine/database.hpp"
#include "project/relation.hpp"

namespace pond::dbt {

namespace {

using nlohmann::json;
using project::Node;

// The node's freshness block, from the source YAML or (dbt_project.yml `sources:`) its config.
json freshness_of(const Node& n) {
  if (n.freshness.is_object()) return n.freshness;
  if (const json* c = n.config_value("freshness"); c && c->is_object()) return *c;
  return json();
}

std::string loaded_at_of(const Node& n) {
  if (!n.loaded_at_field.empty()) return n.loaded_at_field;
  if (const json* c = n.config_value("loaded_at_field"); c && c->is_string()) return c->get<std::string>();
  return "";
}

// dbt 1.10's loaded_at_query, from the source's or the table's config.
std::string loaded_at_query_of(const Node& n) {
  if (const json* c = n.config_value("loaded_at_query"); c && c->is_string()) return c->get<std::string>();
  return "";
}

// Renders the Jinja of a filter or loaded_at_query in the project's context, `this` being the
// source's relation (as dbt renders them); plain SQL is returned as it is.
using Render = std::function<std::string(const std::string&)>;

std::string rendered(const std::string& sql, const std::string& relation, const Render& render) {
  if (sql.find("{{") == std::string::npos && sql.find("{%") == std::string::npos) return sql;
  std::string esc;
  for (char c : relation) esc += c == '\'' ? std::string("\\'") : std::string(1, c);
  return render("{% set this = '" + esc + "' %}" + sql);
}

// nullopt: the source has no freshness policy (dbt leaves it out of the run).
std::optional<FreshnessSpec> spec_of(const Node& n, const Render& render) {
  json f = freshness_of(n);
  if (!f.is_object()) return std::nullopt;
  FreshnessSpec s;
  s.unique_id = n.unique_id;
  s.display = n.source_name + "." + n.name;
  s.asset_key = n.schema + "." + n.identifier;
  auto bad = [&](const std::string& what) -> UserError {
    return UserError(
        SourceLocation{n.original_file_path, 0, 0}, "source " + s.display + ": freshness " + what,
        "e.g. freshness: {warn_after: {count: 12, period: hour}, error_after: {count: 1, period: day}}");
  };
  try {
    if (f.contains("warn_after")) s.warn_after = parse_threshold(f["warn_after"].dump());
    if (f.contains("error_after")) s.error_after = parse_threshold(f["error_after"].dump());
  } catch (const std::invalid_argument& e) {
    throw bad(e.what());
  }
  if (!s.warn_after && !s.error_after) return std::nullopt;
  if (f.contains("filter") && !f["filter"].is_null()) {
    if (!f["filter"].is_string()) throw bad("filter must be a SQL condition (a string)");
    s.filter = f["filter"].get<std::string>();
  }
  s.loaded_at_field = loaded_at_of(n);
  s.loaded_at_query = loaded_at_query_of(n);
  if (s.loaded_at_field.empty() && s.loaded_at_query.empty()) {
    throw UserError(
        SourceLocation{n.original_file_path, 0, 0},
        "source " + s.display + " has a freshness policy but no loaded_at_field or loaded_at_query",
        "add loaded_at_field: <timestamp column> to the source or the table, or config: "
        "{loaded_at_query: \"select max(...) from ...\"}");
  }
  s.relation = !n.relation_name.empty() ? n.relation_name
                                        : quote_identifier(n.schema) + "." + quote_identifier(n.identifier);
  try {
    s.filter = rendered(s.filter, s.relation, render);
    s.loaded_at_query = rendered(s.loaded_at_query, s.relation, render);
  } catch (const UserError& e) {
    throw UserError(
        SourceLocation{n.original_file_path, 0, 0},
        "source " + s.display + ": cannot render its freshness filter or loaded_at_query: " + e.what());
  }
  if (!s.loaded_at_query.empty() && s.loaded_at_query.find_first_not_of(" \t\r\n;") == std::string::npos)
    throw UserError(SourceLocation{n.original_file_path, 0, 0},
                    "source " + s.display + ": loaded_at_query is empty",
                    "give a query returning one timestamp");
  json criteria = {{"warn_after", {{"count", nullptr}, {"period", nullptr}}},
                   {"error_after", {{"count", nullptr}, {"period", nullptr}}},
                   {"filter", s.filter.empty() ? json(nullptr) : json(s.filter)}};
  if (s.warn_after)
    criteria["warn_after"] = {{"count", s.warn_after->count}, {"period", s.warn_after->period}};
  if (s.error_after)
    criteria["error_after"] = {{"count", s.error_after->count}, {"period", s.error_after->period}};
  s.criteria_json = criteria.dump();
  return s;
}

bool no_selection(const SelectionFlags& f) {
  return f.select.empty() && f.exclude.empty() && !f.selector && f.resource_types.empty() &&
         f.exclude_resource_types.empty() && !f.state;
}

}  // namespace

int freshness_task(TaskContext& ctx, const FreshnessOptions& options, std::ostream& out) {
  ResolvedProject resolved = resolve_project(ctx.options);
  auto p = load_project(ctx.options, options.vars, "source freshness");
  if (ctx.cancel.requested()) return static_cast<int>(ExitCode::kInterrupted);

  std::vector<std::size_t> chosen;
  if (no_selection(options.selection)) {
    for (std::size_t i = 0; i < p->manifest.nodes.size(); ++i) chosen.push_back(i);
  } else {
    chosen = select(*p, options.selection);
  }
  Render render = [&p](const std::string& sql) { return p->compiler->compile_inline(sql); };
  std::vector<std::unique_ptr<FreshnessStep>> owned;
  std::vector<exec::Step*> steps;
  std::vector<const FreshnessStep*> fresh_steps;
  for (std::size_t i : chosen) {
    const Node& n = p->manifest.nodes[i];
    if (n.resource_type != project::ResourceType::kSource || !n.is_enabled()) continue;
    if (auto spec = spec_of(n, render)) {
      owned.push_back(std::make_unique<FreshnessStep>(std::move(*spec)));
      steps.push_back(owned.back().get());
      fresh_steps.push_back(owned.back().get());
    }
  }
  log::info("{}", summary(p->manifest));
  if (steps.empty()) {
    log::warn(
        "Nothing to do: no selected source has a freshness policy (freshness: with warn_after or "
        "error_after, and a loaded_at_field or loaded_at_query)");
    return 0;
  }

  engine::Database db = open_target_database(resolved.target);
  std::filesystem::path target_dir = p->manifest.project.root / p->manifest.project.target_path;
  InvocationOptions io;
  io.command = "source freshness";
  for (const auto& s : options.selection.select) io.selection += (io.selection.empty() ? "" : " ") + s;
  io.args_json = json{
      {"which", "source-freshness"},
      {"select", options.selection.select},
      {"exclude", options.selection.exclude},
      {"vars",
       options.vars}}.dump();
  io.target = resolved.target.target_name;
  io.state_path = p->manifest.project.root / ".pond" / "state.db";
  io.target_dir = target_dir;
  io.write_run_results = false;
  io.executor.threads = options.threads.value_or(resolved.target.threads > 0 ? resolved.target.threads : 1);
  io.progress.json = ctx.options.log_format == "json";
  io.progress.quiet = ctx.options.quiet;
  io.progress.live = !io.progress.json && !io.progress.quiet && isatty(STDOUT_FILENO) != 0;

  InvocationResult r = run_interruptible(ctx, &db, steps, io, out);
  std::filesystem::path sources =
      options.output ? std::filesystem::path(*options.output) : target_dir / "sources.json";
  write_file_atomically(sources, sources_json(r.outcome, fresh_steps, r.run_id));
  return r.exit_code;
}

}  // namespace pond::dbt
