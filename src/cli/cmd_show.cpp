// `pond show --inline SQL` and `pond show -s MODEL`: run a query on the target and print its rows.
#include <fmt/format.h>

#include <cctype>
#include <iostream>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/table_output.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "dbt/database_hooks.hpp"
#include "dbt/plan.hpp"
#include "dbt/project.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"

namespace pond::cli {

namespace {

// Reads up to `limit` rows (+1 to know whether there were more) of a row-returning query.
// Values are cast to VARCHAR inside DuckDB, so every type prints as DuckDB spells it.
TextTable fetch_rows(engine::Connection& con, engine::PreparedStatement& stmt, const std::string& sql,
                     long limit) {
  TextTable table;
  for (std::size_t c = 0; c < stmt.column_count(); ++c) {
    table.columns.push_back(stmt.column_name(c));
    table.types.push_back(stmt.column_type(c));
  }
  std::string wrapped = "SELECT COLUMNS(*)::VARCHAR FROM (\n" + sql + "\n) AS pond_show";
  if (limit >= 0) wrapped += fmt::format(" LIMIT {}", limit + 1);
  engine::Result result = con.query(wrapped);
  while (auto chunk = result.next_chunk()) {
    for (std::size_t r = 0; r < chunk->size(); ++r) {
      if (limit >= 0 && table.rows.size() == static_cast<std::size_t>(limit)) {
        table.truncated = true;
        return table;
      }
      auto& row = table.rows.emplace_back();
      for (std::size_t c = 0; c < chunk->column_count(); ++c) {
        row.push_back(chunk->get_optional<std::string>(c, r));
      }
    }
  }
  return table;
}

// Prints one result in the chosen format; `title` heads the table format (dbt: "Previewing ...").
void print_rows(const TextTable& table, OutputFormat format, const std::string& title, long limit) {
  if (format == OutputFormat::kTable) std::cout << title << "\n";
  print_as(std::cout, table, format);
  if (format == OutputFormat::kTable && table.truncated)
    std::cout << fmt::format("(showing the first {} rows; --limit N to see more)\n", limit);
}

bool previewable(const project::Node& n) {
  return n.resource_type == project::ResourceType::kModel ||
         n.resource_type == project::ResourceType::kSnapshot ||
         n.resource_type == project::ResourceType::kAnalysis;
}

// An unknown name in --select: say which model was probably meant.
[[noreturn]] void no_match(const project::Manifest& m, const std::vector<std::string>& select) {
  std::vector<std::string> names;
  for (const auto& n : m.nodes)
    if (previewable(n)) names.push_back(n.name);
  std::string words;
  std::string guess;
  for (const auto& s : select) {
    words += (words.empty() ? "" : " ") + s;
    if (guess.empty()) guess = closest_match(s, names);
  }
  throw UserError(
      "pond show --select '" + words + "' matches no model, snapshot or analysis",
      guess.empty() ? "`pond ls --resource-type model` lists the models" : "did you mean '" + guess + "'?");
}

// Whether inline SQL starts like a query (SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW,
// SUMMARIZE, EXPLAIN, PRAGMA): then a DuckDB-file target is opened read-only, shared with
// other readers. Anything else (CREATE, INSERT, COMMENT...) is a deliberate write.
bool reads_only(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(') {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return true;
    } else if (sql.substr(i, 2) == "/*") {
      i = sql.find("*/", i);
      if (i == std::string_view::npos) return true;
      i += 2;
    } else {
      break;
    }
  }
  std::size_t end = i;
  while (end < sql.size() && std::isalpha(static_cast<unsigned char>(sql[end]))) ++end;
  std::string word = to_lower(sql.substr(i, end - i));
  for (const char* w : {"select", "with", "from", "values", "table", "describe", "show", "summarize",
                        "explain", "pragma", ""})
    if (word == w) return true;
  return false;
}

// `pond show -s model`: compiles the selected nodes (refs resolved against the target) and
// previews the rows their SQL returns.
int show_nodes(CommandContext& ctx, const ShowOptions& options, OutputFormat format) {
  ResolvedProject resolved = resolve_project(ctx.options);
  engine::Database db = open_target_database(resolved.target, dbt::TargetAccess::kReadOnly);
  engine::Connection con(db);
  dbt::DatabaseHooks hooks(con, false);
  auto p = dbt::load_project(ctx.options, options.vars, "show", &hooks);
  SelectionFlags flags;
  flags.select = options.select;
  std::vector<std::size_t> nodes;
  for (std::size_t i : dbt::select(*p, flags))
    if (previewable(p->manifest.nodes[i])) nodes.push_back(i);
  if (nodes.empty()) no_match(p->manifest, options.select);
  p->compiler->compile_nodes(nodes);

  // Every selected node is previewed, in the project's order, as dbt prints them: a titled table
  // each, or one {"node", "show"} JSON object each. A failing node does not stop the others.
  exec::Cancellation::Scope on_interrupt(ctx.cancel, [&con] { con.interrupt(); });
  int exit_code = 0;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    if (ctx.cancel.requested()) return static_cast<int>(ExitCode::kInterrupted);
    const project::Node& n = p->manifest.nodes[nodes[k]];
    if (n.language == "python") {  // its compiled code is Python, not a query to preview
      log::error(
          "{}: model {} is a Python model; pond show previews SQL nodes\n  hint: build it (pond run -s {}) "
          "and query its table with --inline",
          n.original_file_path, n.name, n.name);
      exit_code = 1;
      continue;
    }
    std::string sql = strip_statement(n.compiled_code);
    try {
      engine::PreparedStatement stmt = con.prepare(sql);
      TextTable table = fetch_rows(con, stmt, sql, options.limit);
      if (format == OutputFormat::kJson) {
        print_json_node(std::cout, n.name, table);
      } else {
        if (k > 0 && format == OutputFormat::kTable) std::cout << "\n";
        print_rows(table, format, "Previewing node '" + n.name + "':", options.limit);
      }
    } catch (const engine::EngineError& e) {
      if (e.interrupted()) {
        log::error("query interrupted");
        return static_cast<int>(ExitCode::kInterrupted);
      }
      log::error("Database Error in {} {} ({})\n  {}", project::to_string(n.resource_type), n.name,
                 n.original_file_path, e.what());
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace

int run_show(CommandContext& ctx, const ShowOptions& options) {
  if (options.inline_sql && !options.select.empty())
    throw UserError("pond show takes either --inline or --select, not both");
  OutputFormat format = parse_output_format(options.output);
  if (!options.select.empty()) return show_nodes(ctx, options, format);
  if (!options.inline_sql)
    throw UserError("pond show needs --select MODEL or --inline \"<sql>\"",
                    "e.g. pond show -s customers --limit 10");
  ResolvedProject resolved = resolve_project(ctx.options);
  engine::Database db =
      open_target_database(resolved.target, reads_only(*options.inline_sql) ? dbt::TargetAccess::kReadOnly
                                                                            : dbt::TargetAccess::kReadWrite);
  engine::Connection con(db);
  exec::Cancellation::Scope on_interrupt(ctx.cancel, [&con] { con.interrupt(); });

  if (ctx.cancel.requested()) return static_cast<int>(ExitCode::kInterrupted);  // Ctrl-C while starting

  std::string sql = *options.inline_sql;
  // Jinja (ref, source, var, macros) is rendered as dbt show --inline does. Plain SQL renders to
  // itself, so the project is loaded only when there is something to render.
  if (sql.find("{{") != std::string::npos || sql.find("{%") != std::string::npos ||
      sql.find("{#") != std::string::npos) {
    dbt::DatabaseHooks hooks(con, false);
    auto p = dbt::load_project(ctx.options, options.vars, "show", &hooks);
    sql = p->compiler->compile_inline(sql);
  }
  sql = strip_statement(sql);
  if (sql.empty()) throw UserError("--inline was given no SQL");
  sql = expose_lake(resolved, con, sql);  // the lake's tables, and lake_scan(...) time travel
  try {
    engine::PreparedStatement stmt = con.prepare(sql);
    if (!stmt.returns_rows()) {
      engine::Result r = stmt.execute();
      std::cout << fmt::format("OK ({} rows changed)\n", r.rows_changed());
      return 0;
    }
    TextTable table = fetch_rows(con, stmt, sql, options.limit);
    print_rows(table, format, "Previewing inline node:", options.limit);
    return 0;
  } catch (const engine::EngineError& e) {
    if (e.interrupted()) {
      log::error("query interrupted");
      return static_cast<int>(ExitCode::kInterrupted);
    }
    log::error("error in inline SQL: {}", e.what());
    return 1;
  }
}

}  // namespace pond::cli
