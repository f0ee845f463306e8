#include "cli/app.hpp"

#include <dlfcn.h>
#include <duckdb.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "common/build_info.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"

namespace pond::cli {

std::string version_text() {
  std::string where;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&duckdb_library_version), &info) != 0 && info.dli_fname) {
    where = fmt::format(" ({})", info.dli_fname);
  }
  return fmt::format("pond {} (commit {})\nDuckDB {}{}", pond_version(), pond_commit(),
                     engine::loaded_library_version(), where);
}

namespace {

void configure_logging(const GlobalOptions& g) {
  log::Options o;
  o.level = log::parse_level(g.log_level);
  if (g.log_format != "text" && g.log_format != "json") {
    throw UserError("--log-format must be text or json, not '" + g.log_format + "'");
  }
  o.format = g.log_format == "json" ? log::Format::kJson : log::Format::kText;
  o.color = !g.no_color && std::getenv("NO_COLOR") == nullptr && isatty(STDERR_FILENO);
  log::configure(o);
}

// "did you mean" for an unknown first word.
int unknown_command(CLI::App& app, const std::string& word) {
  if (!word.empty() && word[0] == '-') {
    std::cerr << fmt::format("pond: unknown option '{}'\nRun 'pond --help' for usage.\n", word);
    return static_cast<int>(ExitCode::kUsage);
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  std::string guess = closest_match(word, names);
  std::cerr << fmt::format("pond: unknown command '{}'", word);
  if (!guess.empty()) std::cerr << fmt::format(" (did you mean '{}'?)", guess);
  std::cerr << "\nRun 'pond --help' for the list of commands.\n";
  return static_cast<int>(ExitCode::kUsage);
}

// -s/--select, --exclude, --selector, --resource-type, --state, --indirect-selection.
void add_selection_flags(CLI::App* cmd, SelectionFlags& f) {
  cmd->add_option("-s,--select,-m,--models", f.select, "Nodes to include (dbt selection syntax)");
  cmd->add_option("--exclude", f.exclude, "Nodes to leave out (dbt selection syntax)");
  cmd->add_option("--selector", f.selector, "A selector defined in selectors.yml");
  cmd->add_option("--resource-type,--resource-types", f.resource_types,
                  "Only these resource types (model, seed, snapshot, test, analysis, source, exposure)");
  cmd->add_option("--state", f.state, "Folder with a previous run's manifest.json / run_results.json");
  cmd->add_option("--indirect-selection", f.indirect_selection, "eager, cautious, buildable or empty")
      ->check(CLI::IsMember({"eager", "cautious", "buildable", "empty"}))
      ->capture_default_str();
}

}  // namespace

int run_app(int argc, char** argv) {
  InterruptWatcher interrupts;
  GlobalOptions global;
  CommandContext ctx{global, interrupts.cancellation()};

  CLI::App app{"pond: the local data stack in one binary (ingest, dbt-compatible transform, lake, serve)",
               "pond"};
  app.fallthrough();  // global flags may follow the command, as in dbt
  app.set_help_all_flag("--help-all", "Show help for every command");
  bool show_version = false;
  app.add_flag("--version", show_version, "Print pond's version, commit and the DuckDB version loaded");
  app.add_option("--project-dir", global.project_dir,
                 "Folder of dbt_project.yml (default: current folder or a parent)");
  app.add_option("--profiles-dir", global.profiles_dir,
                 "Folder of profiles.yml (default: $DBT_PROFILES_DIR, project, ~/.dbt)");
  app.add_option("-t,--target", global.target, "Target of the profile to use");
  app.add_option("--log-level", global.log_level, "debug, info, warn, error or none")->capture_default_str();
  app.add_option("--log-format", global.log_format, "text or json")->capture_default_str();
  app.add_flag("--no-color", global.no_color, "Plain output without ANSI colors (also: NO_COLOR=1)");

  std::function<int()> action;

  InitOptions init;
  auto* init_cmd = app.add_subcommand("init", "Create a new, working example project in DIR");
  init_cmd->add_option("dir", init.directory, "Folder to create (must not exist or be empty)")->required();
  init_cmd->callback([&] { action = [&] { return run_init(ctx, init); }; });

  auto* debug_cmd = app.add_subcommand("debug", "Check the project, profile and database connection");
  debug_cmd->callback([&] { action = [&] { return run_debug(ctx); }; });

  ShowOptions show;
  auto* show_cmd = app.add_subcommand("show", "Preview a model (-s) or run SQL (--inline) on the target");
  show_cmd->add_option("--inline", show.inline_sql, "SQL to run");
  show_cmd->add_option("-s,--select", show.select, "Models to preview (compiled, refs resolved)");
  show_cmd->add_option("--vars", show.vars, "Variables as YAML/JSON (with --select)");
  show_cmd->add_option("--limit", show.limit, "Rows to show (negative: all)")->capture_default_str();
  show_cmd->add_option("--output,-o", show.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  show_cmd->callback([&] { action = [&] { return run_show(ctx, show); }; });

  DepsOptions deps;
  auto* deps_cmd = app.add_subcommand("deps", "Install the packages of packages.yml into dbt_packages/");
  deps_cmd->add_flag("--upgrade", deps.upgrade,
                     "Ignore package-lock.yml and resolve the version ranges again");
  deps_cmd->callback([&] { action = [&] { return run_deps(ctx, deps); }; });

  ParseOptions parse;
  auto* parse_cmd =
      app.add_subcommand("parse", "Read and check the whole project; write target/manifest.json");
  parse_cmd->add_option("--vars", parse.vars, "Variables as YAML/JSON, e.g. '{start: 2026-01-01}'");
  parse_cmd->callback([&] { action = [&] { return run_parse(ctx, parse); }; });

  LsOptions ls;
  auto* ls_cmd = app.add_subcommand("ls", "List the project's nodes that a selection picks");
  ls_cmd->alias("list");
  add_selection_flags(ls_cmd, ls.selection);
  ls_cmd->add_option("--vars", ls.vars, "Variables as YAML/JSON");
  ls_cmd->add_option("--output,-o", ls.output, "selector, name, path or json")
      ->check(CLI::IsMember({"selector", "name", "path", "json"}))
      ->capture_default_str();
  ls_cmd->add_option("--output-keys", ls.output_keys, "Keys of --output json (space or comma separated)")
      ->delimiter(',');
  ls_cmd->callback([&] { action = [&] { return run_ls(ctx, ls); }; });

  CompileOptions compile;
  auto* compile_cmd = app.add_subcommand("compile", "Render the selected nodes to SQL in target/compiled/");
  add_selection_flags(compile_cmd, compile.selection);
  compile_cmd->add_option("--vars", compile.vars, "Variables as YAML/JSON");
  compile_cmd->add_option("--inline", compile.inline_sql,
                          "Compile this SQL in the project's context and print it");
  compile_cmd->callback([&] { action = [&] { return run_compile(ctx, compile); }; });

  DocsGenerateOptions docs;
  bool docs_no_compile = false;
  auto* docs_cmd = app.add_subcommand("docs", "Documentation artifacts of the project");
  docs_cmd->require_subcommand(1);
  auto* docs_generate_cmd =
      docs_cmd->add_subcommand("generate", "Write target/manifest.json and target/catalog.json");
  add_selection_flags(docs_generate_cmd, docs.selection);
  docs_generate_cmd->add_option("--vars", docs.vars, "Variables as YAML/JSON");
  docs_generate_cmd->add_flag("--no-compile", docs_no_compile, "Do not compile the nodes first");
  docs_generate_cmd->add_flag("--empty-catalog", docs.empty_catalog,
                              "Write a catalog without reading the database");
  docs_generate_cmd->callback([&] {
    docs.compile = !docs_no_compile;
    action = [&] { return run_docs_generate(ctx, docs); };
  });

  // run, build, seed, test, snapshot: the same flags, different node types.
  struct ExecCommand {
    const char* name;
    const char* help;
    int (*fn)(CommandContext&, const ExecOptions&);
    ExecOptions options;
  };
  std::array<ExecCommand, 5> exec_cmds{{
      {"run", "Build the selected models on the target database", &run_run, {}},
      {"build", "Seeds, models, snapshots and tests in DAG order, tests after their parents", &run_build, {}},
      {"seed", "Load the selected CSV seeds", &run_seed, {}},
      {"test", "Run the selected data tests", &run_test, {}},
      {"snapshot", "Take the selected snapshots", &run_snapshot, {}},
  }};
  for (auto& ec : exec_cmds) {
    auto* cmd = app.add_subcommand(ec.name, ec.help);
    add_selection_flags(cmd, ec.options.selection);
    cmd->add_option("--vars", ec.options.vars, "Variables as YAML/JSON");
    cmd->add_option("--threads", ec.options.threads, "Nodes run at a time (default: the target's threads)")
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--full-refresh,-f", ec.options.full_refresh, "Rebuild incremental models, reload seeds");
    cmd->add_flag("--fail-fast,-x", ec.options.fail_fast, "Stop at the first failure");
    cmd->add_option("--event-time-start", ec.options.event_time_start, "Microbatch: first batch start");
    cmd->add_option("--event-time-end", ec.options.event_time_end, "Microbatch: end of the last batch");
    if (std::string_view(ec.name) != "test")
      cmd->add_flag("--empty", ec.options.empty, "Refs and sources read zero rows: build the schema only");
    cmd->callback([&] { action = [&] { return ec.fn(ctx, ec.options); }; });
  }

  RetryOptions retry;
  auto* retry_cmd =
      app.add_subcommand("retry", "Re-run what failed or was skipped last time (same command and flags)");
  retry_cmd->add_option("--threads", retry.threads, "Nodes run at a time (default: the retried run's)")
      ->check(CLI::PositiveNumber);
  retry_cmd->callback([&] { action = [&] { return run_retry(ctx, retry); }; });

  FreshnessOptions freshness;
  auto* source_cmd = app.add_subcommand("source", "Work with the project's sources");
  source_cmd->require_subcommand(1);
  auto* freshness_cmd = source_cmd->add_subcommand(
      "freshness", "Check how recently the sources were loaded; write target/sources.json");
  add_selection_flags(freshness_cmd, freshness.selection);
  freshness_cmd->add_option("--vars", freshness.vars, "Variables as YAML/JSON");
  freshness_cmd
      ->add_option("--threads", freshness.threads, "Sources checked at a time (default: the target's)")
      ->check(CLI::PositiveNumber);
  freshness_cmd->add_option("--output,-o", freshness.output,
                            "Where to write sources.json (default target/sources.json)");
  freshness_cmd->callback([&] { action = [&] { return run_source_freshness(ctx, freshness); }; });

  RunsOptions runs;
  std::string runs_show_id;
  auto* runs_cmd = app.add_subcommand("runs", "List the recent runs recorded in .pond/state.db");
  runs_cmd->add_option("--limit", runs.limit, "How many runs to list")->capture_default_str();
  runs_cmd->add_option("--output,-o", runs.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  auto* runs_show_cmd =
      runs_cmd->add_subcommand("show", "One run: its steps with status, timing, rows and errors");
  runs_show_cmd->add_option("id", runs_show_id, "Run id, or a unique prefix of it")->required();
  runs_show_cmd->add_option("--output,-o", runs.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  runs_cmd->callback([&] {
    action = [&] {
      if (!runs_show_id.empty()) runs.show_id = runs_show_id;
      return run_runs(ctx, runs);
    };
  });

  TemplateRenderOptions template_render;
  auto* template_cmd = app.add_subcommand("template", "Work with standalone Jinja2 templates");
  template_cmd->require_subcommand(1);
  auto* template_render_cmd = template_cmd->add_subcommand(
      "render", "Render a Jinja2 template file (plain Jinja2, no dbt context) to stdout");
  template_render_cmd->add_option("file", template_render.file, "Template file")->required();
  template_render_cmd->add_option("--context", template_render.context_file,
                                  "JSON file whose object gives the template's variables");
  template_render_cmd->callback([&] { action = [&] { return run_template_render(ctx, template_render); }; });

  LakeOptions lake_opts;
  auto* lake_cmd = app.add_subcommand("lake", "Look at and maintain the target's lake (profile lake:)");
  lake_cmd->require_subcommand(1);
  auto lake_output = [&](CLI::App* c) {
    c->add_option("--output,-o", lake_opts.output, "table, json or csv")
        ->check(CLI::IsMember({"table", "json", "csv"}))
        ->capture_default_str();
  };
  auto lake_action = [&](CLI::App* c, const char* name) {
    c->callback([&, name] {
      lake_opts.action = name;
      action = [&] { return run_lake(ctx, lake_opts); };
    });
  };
  auto* lake_snapshots =
      lake_cmd->add_subcommand("snapshots", "List the lake's snapshots and what each changed");
  lake_output(lake_snapshots);
  lake_action(lake_snapshots, "snapshots");
  auto* lake_tables = lake_cmd->add_subcommand("tables", "List the lake's tables and views");
  lake_tables->add_option("--version", lake_opts.version, "At this snapshot (default: the latest)");
  lake_output(lake_tables);
  lake_action(lake_tables, "tables");
  auto* lake_info = lake_cmd->add_subcommand(
      "info",
      "The lake (catalog, data path, the ATTACH statement for DuckDB) or one table: its columns and files");
  lake_info->add_option("table", lake_opts.table, "schema.table");
  lake_info->add_option("--version", lake_opts.version, "At this snapshot (default: the latest)");
  lake_output(lake_info);
  lake_action(lake_info, "info");
  auto* lake_compact =
      lake_cmd->add_subcommand("compact", "Merge a table's small files (every table by default)");
  lake_compact->add_option("table", lake_opts.table, "schema.table");
  lake_action(lake_compact, "compact");
  auto* lake_expire =
      lake_cmd->add_subcommand("expire", "Drop old snapshots; their files are scheduled for deletion");
  lake_expire->add_option("--older-than", lake_opts.older_than, "Age (7d, 12h, 30m, 45s) or UTC timestamp")
      ->required();
  lake_action(lake_expire, "expire");
  auto* lake_cleanup =
      lake_cmd->add_subcommand("cleanup", "Delete files no snapshot needs (expired and orphan files)");
  lake_cleanup->add_flag("--dry-run", lake_opts.dry_run, "Only list the files");
  lake_cleanup
      ->add_option("--min-age", lake_opts.min_age_seconds,
                   "Seconds an orphan file must be old before it is deleted")
      ->capture_default_str();
  lake_action(lake_cleanup, "cleanup");
  auto* lake_relocate = lake_cmd->add_subcommand(
      "relocate", "Store the data folder's (new) absolute place in the catalog, after the lake moved");
  lake_relocate->add_option("--data-path", lake_opts.data_path,
                            "The data folder (default: the target's data_path)");
  lake_action(lake_relocate, "relocate");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    if (app.get_subcommands().empty() && !app.remaining().empty())
      return unknown_command(app, app.remaining().front());
    std::cerr << "pond: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kUsage);
  } catch (const CLI::ParseError& e) {
    std::cerr << "pond: " << e.what() << "\nRun 'pond --help' for usage.\n";
    return static_cast<int>(ExitCode::kUsage);
  }

  try {
    configure_logging(global);
    engine::check_library_version();
    if (show_version) {
      std::cout << version_text() << "\n";
      return 0;
    }
    if (!action) {
      std::cerr << app.help();
      return static_cast<int>(ExitCode::kUsage);
    }
    return action();
  } catch (const UserError& e) {
    log::error("{}", e.what());
    return static_cast<int>(e.exit_code());
  } catch (const InternalError& e) {
    log::error(
        "{}\n  hint: this is a bug in pond, not in your project; please report it with the command you ran",
        e.what());
    return static_cast<int>(ExitCode::kInternal);
  } catch (const engine::EngineError& e) {
    if (e.interrupted()) return static_cast<int>(ExitCode::kInterrupted);
    log::error("{}", e.what());
    return static_cast<int>(ExitCode::kStepFailed);
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    return static_cast<int>(ExitCode::kStepFailed);
  }
}

}  // namespace pond::cli
