#include "cli/app.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>

#include "cli/app_orchestrate.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/stdout_log.hpp"
#include "common/build_info.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"
#include "engine/library.hpp"
#include "project/project_locator.hpp"
#include "project/vars.hpp"

namespace pond::cli {

std::string version_text() {
  return fmt::format("pond {} (commit {})\nDuckDB {} ({})", pond_version(), pond_commit(),
                     engine::loaded_library_version(), engine::library_path());
}

namespace {

log::WarnErrorPolicy warn_error_policy(const GlobalOptions& g);

// The commands dbt writes logs/dbt.log for (pond's own long-running servers keep the console).
bool writes_dbt_log(std::string_view command) {
  static constexpr std::array<std::string_view, 17> kCommands = {
      "debug", "show",  "deps", "parse", "ls",       "list",          "compile", "docs",  "clean",
      "run",   "build", "test", "seed",  "snapshot", "run-operation", "retry",   "source"};
  return std::find(kCommands.begin(), kCommands.end(), command) != kCommands.end();
}

// dbt.log's place: --log-path (DBT_LOG_PATH) as given, else `logs/` in the project's folder;
// none outside a project (dbt would litter the current folder).
std::optional<log::FileOptions> log_file_options(const GlobalOptions& g, std::string_view command) {
  log::Level level;
  try {
    level = log::parse_level(g.log_level_file);
  } catch (const std::invalid_argument& e) {
    throw UserError(std::string("--log-level-file: ") + e.what());
  }
  if (g.log_format_file != "debug" && g.log_format_file != "text" && g.log_format_file != "default" &&
      g.log_format_file != "json")
    throw UserError("--log-format-file must be debug, text, default or json, not '" + g.log_format_file +
                    "'");
  if (level == log::Level::kOff || !writes_dbt_log(command)) return std::nullopt;
  std::filesystem::path folder;
  if (g.log_path) {
    folder = *g.log_path;
  } else {
    try {
      folder = project::find_project_root(g.project_dir.value_or(std::filesystem::current_path())) / "logs";
    } catch (const UserError&) {
      return std::nullopt;  // the command reports the missing project itself
    }
  }
  log::FileOptions f;
  f.path = (folder / "dbt.log").string();
  f.level = level;
  f.format = g.log_format_file == "json" ? log::Format::kJson : log::Format::kText;
  f.max_bytes = g.log_file_max_bytes;
  f.invocation_id = g.invocation_id;
  return f;
}

void configure_logging(const GlobalOptions& g, std::string_view command) {
  log::Options o;
  o.level = log::parse_level(g.log_level);
  if (g.quiet && o.level < log::Level::kError) o.level = log::Level::kError;
  if (g.log_format != "text" && g.log_format != "json") {
    throw UserError("--log-format must be text or json, not '" + g.log_format + "'");
  }
  o.format = g.log_format == "json" ? log::Format::kJson : log::Format::kText;
  o.color = !g.no_color && std::getenv("NO_COLOR") == nullptr && isatty(STDERR_FILENO);
  o.warn_error = warn_error_policy(g);
  o.file = log_file_options(g, command);
  log::configure(o);
}

// --warn-error and --warn-error-options (dbt's keys: error/include, warn/exclude, silence; a
// list of event names, or "all"/"*" for error).
log::WarnErrorPolicy warn_error_policy(const GlobalOptions& g) {
  log::WarnErrorPolicy p;
  p.all = g.warn_error;
  if (g.warn_error_options.empty()) return p;
  const std::string hint = "e.g. --warn-error-options '{error: all, warn: [NoNodesForSelectionCriteria]}'";
  nlohmann::json j;
  try {
    j = project::parse_cli_vars(g.warn_error_options);
  } catch (const UserError&) {
    throw UserError("--warn-error-options must be a YAML mapping", hint);
  }
  auto names = [&](const std::string& key, const nlohmann::json& v, std::set<std::string>& out) {
    if (v.is_string() && key == "error" && (v == "all" || v == "*")) {
      p.all = true;
      return;
    }
    if (!v.is_array())
      throw UserError("--warn-error-options: '" + key + "' must be a list of event names", hint);
    for (const auto& n : v) {
      if (!n.is_string()) throw UserError("--warn-error-options: '" + key + "' must list event names", hint);
      out.insert(n.get<std::string>());
    }
  };
  for (const auto& [key, v] : j.items()) {
    if (key == "error" || key == "include") {
      names("error", v, p.error);
    } else if (key == "warn" || key == "exclude") {
      names("warn", v, p.warn);
    } else if (key == "silence") {
      names("silence", v, p.silence);
    } else {
      std::vector<std::string> known{"error", "warn", "silence", "include", "exclude"};
      std::string guess = closest_match(key, known);
      throw UserError("--warn-error-options: unknown key '" + key + "'",
                      guess.empty() ? hint : "did you mean '" + guess + "'?");
    }
  }
  return p;
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
                  "Only these resource types (model, seed, snapshot, test, unit_test, analysis, source, "
                  "exposure, metric, semantic_model, saved_query)");
  cmd->add_option("--exclude-resource-type,--exclude-resource-types", f.exclude_resource_types,
                  "Leave out these resource types");
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
  app.add_option("--target-path", global.target_path,
                 "Where artifacts go (also: DBT_TARGET_PATH; default: dbt_project.yml's target-path)");
  app.add_flag("--warn-error", global.warn_error, "Treat warnings as errors (as dbt's --warn-error)");
  app.add_option("--warn-error-options", global.warn_error_options,
                 "Which warnings are errors: {error: all | [EventName, ...], warn: [...], silence: [...]}");
  app.add_flag("-q,--quiet", global.quiet, "Only errors on stderr (as dbt's --quiet; printed results stay)");
  app.add_option("--log-path", global.log_path, "Folder of dbt.log (default: the project's logs/)")
      ->envname("DBT_LOG_PATH");
  app.add_option("--log-level-file", global.log_level_file,
                 "dbt.log's level: debug, info, warn, error or none")
      ->envname("DBT_LOG_LEVEL_FILE")
      ->capture_default_str();
  app.add_option("--log-format-file", global.log_format_file, "dbt.log's format: debug (text) or json")
      ->envname("DBT_LOG_FORMAT_FILE")
      ->capture_default_str();
  app.add_option("--log-file-max-bytes", global.log_file_max_bytes,
                 "Rotate dbt.log past this size, keeping 5 old files (0: never)")
      ->envname("DBT_LOG_FILE_MAX_BYTES")
      ->capture_default_str();

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
    cmd->add_flag(
        "--defer,!--no-defer", ec.options.defer,
        "Refs to nodes not built here read the --state manifest's relations when the target has none");
    cmd->add_flag("--favor-state,!--no-favor-state", ec.options.favor_state,
                  "With --defer: read the state's relations even when the target has them");
    cmd->add_option("--defer-state", ec.options.defer_state,
                    "The manifest folder to defer to (default: --state)");
    if (std::string_view(ec.name) == "test" || std::string_view(ec.name) == "build")
      cmd->add_flag("--store-failures", ec.options.store_failures,
                    "Tests without a store_failures config keep their failing rows in a table");
    cmd->add_option("--event-time-start", ec.options.event_time_start, "Microbatch: first batch start");
    cmd->add_option("--event-time-end", ec.options.event_time_end, "Microbatch: end of the last batch");
    if (std::string_view(ec.name) != "test")
      cmd->add_flag("--empty", ec.options.empty, "Refs and sources read zero rows: build the schema only");
    cmd->callback([&] { action = [&] { return ec.fn(ctx, ec.options); }; });
  }

  CleanOptions clean;
  auto* clean_cmd =
      app.add_subcommand("clean", "Delete the folders of clean-targets (default: the target path)");
  clean_cmd->add_flag("--clean-project-files-only,!--no-clean-project-files-only", clean.project_files_only,
                      "Refuse paths outside the project (the default)");
  clean_cmd->callback([&] { action = [&] { return run_clean(ctx, clean); }; });

  RunOperationOptions operation;
  auto* operation_cmd =
      app.add_subcommand("run-operation", "Call a macro against the target (its SQL and run_query() run)");
  operation_cmd->add_option("macro", operation.macro, "Macro name, or package.name")->required();
  operation_cmd->add_option("--args", operation.args, "Keyword arguments as a YAML/JSON mapping");
  operation_cmd->add_option("--vars", operation.vars, "Variables as YAML/JSON");
  operation_cmd->callback([&] { action = [&] { return run_run_operation(ctx, operation); }; });

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

  OrchestrateCommandOptions orchestrate_options;
  add_orchestrate_commands(app, ctx, action, orchestrate_options);

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
  auto* lake_doctor = lake_cmd->add_subcommand(
      "doctor", "Check every table's files, every view and the catalog; --repair fixes what can be fixed");
  lake_doctor->add_flag("--repair", lake_opts.repair,
                        "Repair the catalog's counters, dangling rows and orphan files");
  lake_doctor
      ->add_option("--min-age", lake_opts.min_age_seconds,
                   "Seconds an orphan file must be old before it counts (younger: a commit in flight)")
      ->capture_default_str();
  lake_action(lake_doctor, "doctor");

  ServeOptions serve_opts;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the target's lake over the PostgreSQL wire protocol");
  serve_cmd->add_option("--listen", serve_opts.listen,
                        "HOST:PORT to listen on (default: pond.yml's serve.pg.listen, else 127.0.0.1:5433)");
  serve_cmd->add_option(
      "--users", serve_opts.users_file,
      "Users file: 'NAME SCRAM-SHA-256$...' lines (without it: local clients only, no password)");
  serve_cmd->add_option("--hash-password", serve_opts.hash_password_for,
                        "Print a users-file line for user NAME with the password read from stdin, and exit");
  serve_cmd->add_option("--workers", serve_opts.workers, "Statements run at once (sessions beyond wait)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve_cmd->add_option("--tls-cert", serve_opts.tls_cert, "PEM server certificate (with --tls-key: TLS on)");
  serve_cmd->add_option("--tls-key", serve_opts.tls_key, "PEM private key of --tls-cert");
  serve_cmd->add_option("--tls-client-ca", serve_opts.tls_client_ca,
                        "PEM CA file: a client certificate it signed logs in the user its CN names");
  serve_cmd->add_flag("--tls-required", serve_opts.tls_required,
                      "Refuse clients that do not use TLS (needs --tls-cert and --tls-key)");
  serve_cmd->add_option("--http-listen", serve_opts.http_listen,
                        "HOST:PORT of the HTTP table API (/api/tables, /api/sql, /api/schema)");
  serve_cmd->add_option(
      "--new-token", serve_opts.new_token_for,
      "Print a users-file line with a new HTTP bearer token of user NAME (the token on stderr), and exit");
  serve_cmd->callback([&] { action = [&] { return run_serve(ctx, serve_opts); }; });

  UsersOptions users_opts;
  auto* users_cmd = app.add_subcommand("users", "Manage the users file of pond serve (SCRAM verifiers)");
  users_cmd->require_subcommand(1);
  for (auto [verb, help] :
       {std::pair{"add", "Add a user with a password (typed, or --password-stdin)"},
        std::pair{"passwd", "Change a user's password"},
        std::pair{"rm", "Remove a user (password and HTTP tokens)"}, std::pair{"list", "List the users"}}) {
    auto* sub = users_cmd->add_subcommand(verb, help);
    if (std::string(verb) != "list") sub->add_option("NAME", users_opts.name, "User name")->required();
    sub->add_option("--users", users_opts.users_file,
                    "Users file (default: pond.yml's serve.users, else serve_users beside pond.yml)");
    if (std::string(verb) == "add" || std::string(verb) == "passwd")
      sub->add_flag("--password-stdin", users_opts.password_stdin, "Read the password from standard input");
    sub->callback([&, verb = std::string(verb)] {
      users_opts.action = verb;
      action = [&] { return run_users(ctx, users_opts); };
    });
  }

  UiCliOptions ui_opts;
  auto ui_flags = [&](CLI::App* cmd) {
    cmd->add_option("--port", ui_opts.port, "Port to listen on (0: any free port)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    cmd->add_option("--host", ui_opts.host,
                    "Address to listen on; any but loopback requires the access token printed at start")
        ->capture_default_str();
  };
  auto* ui_cmd = app.add_subcommand(
      "ui", "Serve the web UI (lineage, assets, partitions, runs with live logs, launch and cancel)");
  ui_flags(ui_cmd);
  ui_cmd->callback([&] { action = [&] { return run_ui(ctx, ui_opts); }; });
  auto* dev_cmd = app.add_subcommand(
      "dev", "The web UI with the daemon (schedules, sensors, queued runs) in one process");
  ui_flags(dev_cmd);
  // Set only when given: unset means "when pond.yml sets serve.pg.listen".
  auto* serve_flag = dev_cmd->add_flag_callback(
      "--serve", [&] { ui_opts.serve = true; },
      "Also run the PostgreSQL wire server of `pond serve` (default: when pond.yml sets serve.pg.listen)");
  dev_cmd
      ->add_flag_callback(
          "--no-serve", [&] { ui_opts.serve = false; }, "Do not run the wire server")
      ->excludes(serve_flag);
  dev_cmd->callback([&] {
    ui_opts.dev = true;
    action = [&] { return run_ui(ctx, ui_opts); };
  });

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

  std::string command = app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name();
  std::optional<StdoutToLog> stdout_to_log;
  auto started = std::chrono::steady_clock::now();
  auto finished = [&](int rc) {
    log::write_file(
        log::Level::kDebug,
        fmt::format("Command `pond {}` {} at {} after {:.2f} seconds", command,
                    rc == 0 ? "succeeded" : "failed", iso_utc_now().substr(11, 15),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
    return rc;
  };
  try {
    // One id for the dbt commands' artifacts, run record and dbt.log; the servers and the
    // orchestrator's runs keep one id per run.
    if (writes_dbt_log(command)) global.invocation_id = random_uuid();
    configure_logging(global, command);
    if (log::options().file && action) {
      stdout_to_log.emplace();
      std::string args;
      for (int i = 1; i < argc; ++i) args += std::string(i > 1 ? " " : "") + argv[i];
      log::write_file(log::Level::kDebug,
                      fmt::format("pond {} (commit {}): pond {}", pond_version(), pond_commit(), args));
    }
    if (show_version) {
      std::cout << version_text() << "\n";
      return 0;
    }
    if (!action) {
      std::cerr << app.help();
      return static_cast<int>(ExitCode::kUsage);
    }
    int rc = action();
    // dbt stops at the first promoted warning; pond finishes the command, then fails it.
    if (int n = log::promoted_warnings(); n > 0 && rc == 0) {
      log::error("{} warning{} treated as error{} (--warn-error): failing", n, n == 1 ? "" : "s",
                 n == 1 ? "" : "s");
      rc = static_cast<int>(ExitCode::kUsage);
    }
    return finished(rc);
  } catch (const UserError& e) {
    log::error("{}", e.what());
    return finished(static_cast<int>(e.exit_code()));
  } catch (const InternalError& e) {
    log::error(
        "{}\n  hint: this is a bug in pond, not in your project; please report it with the command you ran",
        e.what());
    return finished(static_cast<int>(ExitCode::kInternal));
  } catch (const engine::EngineError& e) {
    if (e.interrupted()) return finished(static_cast<int>(ExitCode::kInterrupted));
    log::error("{}", e.what());
    return finished(static_cast<int>(ExitCode::kStepFailed));
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    return finished(static_cast<int>(ExitCode::kStepFailed));
  }
}

}  // namespace pond::cli
