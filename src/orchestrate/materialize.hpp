#pragma once
// `pond materialize`: the selected assets (every asset without -s), at a partition (--partition),
// a range (--from/--to, one run per list key) or, for partitioned assets without either, their
// latest partition. Assets of different partitions definitions go in separate runs, upstream
// definitions first.
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exec/cancellation.hpp"
#include "orchestrate/run.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::orchestrate {

struct MaterializeOptions {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::optional<std::string> partition;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::string vars;
  std::optional<int> threads;
  bool fail_fast = false;
  bool full_refresh = false;
  std::map<std::string, std::string> tags;  // --tag key=value
  int priority = 0;                         // run queue priority (or the tag pond/priority)
  bool submit = false;                      // queue the run for `pond runs launch` and return
  std::string trigger = "cli";              // the run record's trigger (cli, ui, ...)
};

// The runs `pond materialize` would start, in order (exposed for tests and --dry-run).
std::vector<RunRequest> plan_materialize(const Workspace& ws, const MaterializeOptions& options,
                                         EpochSeconds now);

// `--submit`: queues the one run `options` plan for any launcher and returns its id. Throws
// UserError when the options need several runs (they must follow each other).
std::string submit_materialize(Workspace& ws, const MaterializeOptions& options, EpochSeconds now);

// Returns the exit code (0, 1 a step failed, 130 cancelled).
int materialize(Workspace& ws, const MaterializeOptions& options, exec::Cancellation& cancel,
                std::ostream& out);

// "a, b, c" (and "... (N more)" past `limit`).
std::string name_list(const AssetGraph& g, const std::vector<std::size_t>& assets, std::size_t limit = 8);

}  // namespace pond::orchestrate
