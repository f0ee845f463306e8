#pragma once
// `pond backfill`: the partitions of the selected assets in a range (--from/--to), those the mode
// asks for (missing: not materialized; failed: whose last attempt failed; all), split into runs
// by a policy (per-partition, batch:N, single-run), planned and recorded in the run store before
// the first run starts. A backfill resumes after its process died (`pond backfill resume ID`):
// runs that succeeded are never run again, and of an interrupted run only the assets its run did
// not materialize run again.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "exec/cancellation.hpp"
#include "orchestrate/partitions.hpp"
#include "orchestrate/status.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::orchestrate {

struct BackfillOptions {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::string from;
  std::string to;
  std::string mode = "missing";          // missing | failed | all
  std::string policy = "per-partition";  // per-partition | batch:N | single-run
  bool reverse = false;                  // newest partitions first
  bool dry_run = false;
  std::string vars;
  std::optional<int> threads;
};

// One planned run: a stretch of partitions and the assets that need all of it.
struct BackfillChunk {
  PartitionScope scope;
  std::vector<std::size_t> assets;  // asset indexes, graph order
  std::int64_t partitions = 0;      // partitions in the scope
};

struct BackfillPlan {
  const PartitionsDefinition* definition = nullptr;
  std::vector<std::size_t> assets;  // the selected assets
  std::vector<BackfillChunk> chunks;
  std::int64_t asset_partitions = 0;  // sum over chunks of partitions x assets
  std::string selection;
};

// Throws UserError for a bad mode or policy, a selection without partitioned assets or with
// unpartitioned ones or several partitions definitions, keys outside the definition.
BackfillPlan plan_backfill(const AssetGraph& g, const BackfillOptions& options, const StoreSnapshot& store,
                           EpochSeconds now);

// Records a plan as a new backfill of this process (running, with its planned runs) and returns
// its id; the plan must have chunks. run_recorded_backfill then runs it (`pond backfill` does
// both; the web UI records in its request and runs on a thread of its own).
std::string record_backfill(Workspace& ws, const BackfillPlan& plan, const BackfillOptions& options);
int run_recorded_backfill(Workspace& ws, const std::string& id, exec::Cancellation& cancel,
                          std::ostream& out);

// Prints the plan (--dry-run) or records and runs it. Returns the exit code (0, 1 a run failed,
// 130 cancelled).
int backfill(Workspace& ws, const BackfillOptions& options, exec::Cancellation& cancel, std::ostream& out);
int resume_backfill(Workspace& ws, const std::string& id, exec::Cancellation& cancel, std::ostream& out);
// What `pond backfill resume` checks and does before it runs the rest: the backfill (id or
// prefix) becomes this process's; returns its full id, nullopt when it already succeeded.
// Throws UserError for an unknown backfill or one whose process still runs it.
std::optional<std::string> claim_backfill_to_resume(Workspace& ws, const std::string& id);
// Asks the process running a backfill to stop after its current run's steps are interrupted.
int cancel_backfill(Workspace& ws, const std::string& id, std::ostream& out);

}  // namespace pond::orchestrate
