#pragma once
// The unit of work of the step executor. A step knows nothing of who planned it (a dbt node, a
// command asset, an ingestion resource): it declares what it depends on, materializes and checks,
// and reports what it did. Parts that need more (dbt's compiled code and executed SQL) attach
// their own details, which only their own listeners read.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pond::engine {
class Connection;
class Database;
}  // namespace pond::engine

namespace pond::exec {

// Outcome of a step (dbt's run_results vocabulary, which covers checks too: a model succeeds or
// errors, a check passes, warns or fails; a step of several parts may partly succeed).
enum class Status { kSuccess, kPass, kWarn, kFail, kError, kSkipped, kPartialSuccess };

const char* status_name(Status s);  // "success", "pass", ..., "partial success"
// Whether the descendants of a step with this status must be skipped.
bool blocks_descendants(Status s);

// Data only the part that made a step understands (e.g. dbt's run path, compiled code).
class StepDetails {
 public:
  virtual ~StepDetails() = default;
};

// A check a step runs on an asset.
struct CheckRef {
  std::string asset_key;
  std::string name;
};

// What the executor needs to know about a step before running it.
struct StepInfo {
  std::string id;                       // unique in the run (model.pkg.name, command.export, ...)
  std::vector<std::string> depends_on;  // ids of steps that must finish first
  std::string kind;                     // model | seed | snapshot | test | operation | source | command | ...
  std::string description;              // "sql table model main.customers" for progress lines
  std::string relation;                 // the relation it writes, rendered, if any
  std::vector<std::string> materializes;  // asset keys it materializes ("main.customers")
  std::vector<CheckRef> checks;           // checks it runs
  std::string pool;  // steps of one pool run at most ExecutorOptions::pool_limits[pool] at a time
  std::shared_ptr<const StepDetails> details;
};

// A part of a step started or finished while the step runs (a microbatch batch, a partition of
// a backfill, a page of an API): progress listeners show it.
struct PartProgress {
  int index = 0;  // 1-based
  int total = 0;
  std::string label;  // "2024-12-08" (hourly batches: "2024-12-08 16:00:00")
  std::string start;  // the window [start, end), when the part is a window
  std::string end;
  bool finished = false;
  bool ok = true;
  std::uint64_t rows = 0;
  std::string message;  // the error of a failed part
  double seconds = 0;
};

// Given to a step while it runs. A DuckDB connection is lent to steps that ask for one
// (connection()); steps that run a process or talk to a server never open one.
class StepContext {
 public:
  // `lend` opens (once) and returns the worker's connection.
  StepContext(const engine::Database* database, std::function<engine::Connection&()> lend, int thread,
              const std::atomic<bool>& cancelled, int threads)
      : database_(database),
        lend_(std::move(lend)),
        thread_(thread),
        cancelled_(cancelled),
        threads_(threads) {}

  // The worker's connection to the run's database, opened on first use and reused by the
  // worker's later steps. Throws InternalError when the run has no database.
  engine::Connection& connection();
  bool has_database() const { return database_ != nullptr; }
  // For steps that open extra connections (concurrent microbatch batches).
  const engine::Database* database() const { return database_; }

  int thread() const { return thread_; }  // 1-based worker number (dbt's Thread-N)
  int threads() const { return threads_; }
  const std::atomic<bool>& cancelled() const { return cancelled_; }
  // Reports a part of the step to the executor's listener.
  std::function<void(const PartProgress&)> report_part;
  // A running step's live status ("12,345 rows (4,000 rows/s), 1.2 MiB (0.4 MiB/s)"), shown next
  // to its name in the terminal's live line; at most a few times a second.
  std::function<void(const std::string&)> report_status;
  // The run the step belongs to (empty outside a recorded run): steps tag what they commit with
  // it, so that a crashed run's work can be matched with its records.
  std::string run_id;

 private:
  const engine::Database* database_;
  std::function<engine::Connection&()> lend_;
  int thread_;
  const std::atomic<bool>& cancelled_;
  int threads_;
};

// An asset a step materialized (recorded in the run store exactly as reported).
struct Materialization {
  std::string asset_key;
  std::string partition_key;
  std::optional<std::int64_t> rows;
  std::optional<std::int64_t> bytes;
  std::optional<std::int64_t> snapshot_id;  // the lake snapshot holding it, when in the lake
  std::string metadata_json = "{}";
};

// The result of a check a step ran.
struct CheckResult {
  std::string asset_key;
  std::string name;
  Status status = Status::kPass;  // pass | warn | fail | error
  std::string severity = "error";
  std::optional<std::int64_t> failures;
  std::string message;
};

// What a step reports.
struct StepOutcome {
  Status status = Status::kSuccess;
  std::string message;                   // "OK", an error, "Got 3 results, configured to fail if != 0"
  std::optional<std::uint64_t> rows;     // rows written or affected
  std::optional<std::int64_t> failures;  // checks: failing rows
  std::vector<Materialization> materializations;
  std::vector<CheckResult> checks;
  std::shared_ptr<const StepDetails> details;
};

// One unit of work in the DAG. Implementations must be safe to run on any worker thread;
// errors should be turned into an outcome (an escaping exception becomes status error).
class Step {
 public:
  virtual ~Step() = default;
  virtual const StepInfo& info() const = 0;
  virtual StepOutcome run(StepContext& ctx) = 0;
};

// A finished (or skipped) step with its timing.
struct StepResult {
  const StepInfo* info = nullptr;
  StepOutcome outcome;
  int index = 0;           // 1-based order in which steps started or were skipped
  int thread = 0;          // 0 for skipped steps
  std::string started_at;  // ISO-8601 UTC, empty for skipped steps
  std::string completed_at;
  double execution_time = 0;  // seconds
};

// The materialization of a succeeded step's first declared asset, for steps whose only report
// is "done" (a model built, a seed loaded): rows and snapshot as given.
Materialization materialized(const StepInfo& info, std::optional<std::int64_t> rows,
                             std::optional<std::int64_t> snapshot_id);

}  // namespace pond::exec
