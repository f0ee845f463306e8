#pragma once
// The options of dbt's tasks, as the CLI's flags set them (and as the orchestrator, the daemon
// and the UI set them when they invoke a task).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "exec/cancellation.hpp"

namespace pond::dbt {

// Global flags shared by every command.
struct GlobalOptions {
  std::optional<std::filesystem::path> project_dir;
  std::optional<std::filesystem::path> profiles_dir;
  std::optional<std::string> target;
  std::string log_level = "info";
  std::string log_format = "text";
  bool no_color = false;
  bool quiet = false;                      // -q/--quiet: errors only
  bool warn_error = false;                 // --warn-error
  std::string warn_error_options;          // --warn-error-options YAML/JSON
  std::optional<std::string> target_path;  // --target-path / DBT_TARGET_PATH: replaces dbt_project.yml's
  // The log file (dbt.log): --log-path / DBT_LOG_PATH (default: the project's logs/),
  // --log-level-file, --log-format-file, --log-file-max-bytes.
  std::optional<std::string> log_path;
  std::string log_level_file = "debug";
  std::string log_format_file = "debug";
  std::uint64_t log_file_max_bytes = 10 * 1024 * 1024;
  std::string invocation_id;  // set by the CLI so that dbt.log and the artifacts agree; empty: new
};

// The selection flags of the graph commands (ls, compile, run, ...), as dbt spells them.
struct SelectionFlags {
  std::vector<std::string> select;                  // -s/--select
  std::vector<std::string> exclude;                 // --exclude
  std::optional<std::string> selector;              // --selector (selectors.yml)
  std::vector<std::string> resource_types;          // --resource-type
  std::vector<std::string> exclude_resource_types;  // --exclude-resource-type
  std::optional<std::string> state;                 // --state DIR
  std::string indirect_selection = "eager";
};

// The flags of a run that rendering sees (dbt's `flags.*` in Jinja) and the steps apply.
struct RunFlags {
  bool full_refresh = false;
  bool empty = false;           // --empty
  bool store_failures = false;  // --store-failures: tests without the config store their failures
  bool fail_fast = false;
};

// `run`, `build`, `seed`, `test`, `snapshot`: run the selected nodes on the target.
struct ExecOptions {
  std::string vars;
  SelectionFlags selection;
  std::optional<int> threads;  // --threads (default: the target's)
  bool full_refresh = false;
  bool fail_fast = false;
  std::optional<std::string> event_time_start;  // microbatch window (--event-time-start/-end)
  std::optional<std::string> event_time_end;
  bool empty = false;                      // --empty: refs and sources read as zero rows (schema-only build)
  bool store_failures = false;             // --store-failures
  bool defer = false;                      // --defer: refs to nodes not built here read the state's relations
  bool favor_state = false;                // --favor-state: ... even when the target has the relation
  std::optional<std::string> defer_state;  // --defer-state DIR (default: --state)
};

// `parse`: reads and validates the whole project, writes target/manifest.json.
struct ParseOptions {
  std::string vars;  // --vars YAML/JSON
};

// `ls`: the nodes a selection picks.
struct LsOptions {
  std::string vars;
  std::string output = "selector";  // selector, name, path, json
  std::vector<std::string> output_keys;
  SelectionFlags selection;
};

// `compile`: renders the selected nodes (or --inline SQL).
struct CompileOptions {
  std::string vars;
  std::optional<std::string> inline_sql;
  SelectionFlags selection;
};

// `docs generate`: manifest.json and catalog.json (dbt's catalog v1) in the target folder.
struct DocsGenerateOptions {
  std::string vars;
  SelectionFlags selection;
  bool compile = true;         // --no-compile: manifest without compiled SQL
  bool empty_catalog = false;  // --empty-catalog: do not read the database
};

// `retry`: re-runs the nodes of the last run/build/seed/test/snapshot that failed, errored
// or were skipped, with that run's command and flags.
struct RetryOptions {
  std::optional<int> threads;  // --threads (default: the retried run's)
};

// `source freshness`: max(loaded_at_field) of the selected sources against their
// warn_after/error_after; writes target/sources.json.
struct FreshnessOptions {
  std::string vars;
  SelectionFlags selection;
  std::optional<int> threads;
  std::optional<std::string> output;  // -o/--output: sources.json path (default target/sources.json)
};

// `clean`: deletes dbt_project.yml's clean-targets (default: the target path).
struct CleanOptions {
  bool project_files_only = true;  // --no-clean-project-files-only: also paths outside the project
};

// `run-operation MACRO --args YAML`: calls a macro with execute = true against the target.
struct RunOperationOptions {
  std::string macro;  // name or package.name
  std::string args;   // --args YAML/JSON mapping of keyword arguments
  std::string vars;
};

// What every task gets from its caller: the global options, and the cancellation the caller
// requests on Ctrl-C (CLI) or a cancel button (UI).
struct TaskContext {
  GlobalOptions& options;
  exec::Cancellation& cancel;
};

}  // namespace pond::dbt
