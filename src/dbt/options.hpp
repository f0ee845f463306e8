#pragma once
// The options of dbt's tasks, as the CLI's flags set them (and as the orchestrator, the daemon
// and the UI set them when they invoke a task).
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
};

// The selection flags of the graph commands (ls, compile, run, ...), as dbt spells them.
struct SelectionFlags {
  std::vector<std::string> select;          // -s/--select
  std::vector<std::string> exclude;         // --exclude
  std::optional<std::string> selector;      // --selector (selectors.yml)
  std::vector<std::string> resource_types;  // --resource-type
  std::optional<std::string> state;         // --state DIR
  std::string indirect_selection = "eager";
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
  bool empty = false;  // --empty: refs and sources read as zero rows (schema-only build)
};

// What every task gets from its caller: the global options, and the cancellation the caller
// requests on Ctrl-C (CLI) or a cancel button (UI).
struct TaskContext {
  GlobalOptions& options;
  exec::Cancellation& cancel;
};

}  // namespace pond::dbt
