#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pond::engine {
class Connection;
class Database;
}  // namespace pond::engine

namespace pond::orchestrate {

// Outcome of a step, in dbt's run_results vocabulary (models: success/error/skipped, tests:
// pass/warn/fail/error/skipped; microbatch models: partial success).
enum class Status { kSuccess, kPass, kWarn, kFail, kError, kSkipped, kPartialSuccess };

const char* status_name(Status s);  // "success", "pass", ..., "partial success"
// Whether the descendants of a step with this status must be skipped.
bool blocks_descendants(Status s);

// What the executor needs to know about a step before running it.
struct StepInfo {
  std::string id;                       // unique id (model.pkg.name, test.pkg.x, ...)
  std::vector<std::string> depends_on;  // ids of steps that must finish first
  std::string resource_type;            // model | test | seed | snapshot | ... (dbt's resource types)
  std::string description;              // "sql table model main.customers" for progress lines
  std::string relation;                 // the relation it builds, rendered ("db"."main"."customers"), if any
  std::string asset_key;                // the asset it materializes or checks ("main.customers")
  std::string run_path;                 // file under target/run/ (default: from the id)
};

// One batch of a microbatch model starting or finished (dbt's "Batch 1 of 3 START batch ...").
struct BatchProgress {
  int index = 0;  // 1-based
  int total = 0;
  std::string label;  // "2024-12-08" (hourly batches: "2024-12-08 16:00:00")
  std::string start;  // the window [start, end)
  std::string end;
  bool finished = false;
  bool ok = true;
  std::uint64_t rows = 0;
  std::string message;  // the error of a failed batch
  double seconds = 0;
};

// Given to a step while it runs: a connection of the pool (one per worker thread), the worker's
// number (1-based, dbt's Thread-N) and the run's cancellation flag; for microbatch models also
// the database (extra connections for concurrent batches), the run's thread count and a way to
// report batch progress to the executor's listener.
struct StepContext {
  engine::Connection& connection;
  int thread;
  const std::atomic<bool>& cancelled;
  const engine::Database* database = nullptr;
  int threads = 1;
  std::function<void(const BatchProgress&)> report_batch;
};

// What a step reports.
struct StepOutcome {
  Status status = Status::kSuccess;
  std::string message;                    // dbt's result message ("OK", an error, "Got 3 results...")
  std::optional<std::uint64_t> rows;      // adapter_response.rows_affected
  std::optional<std::int64_t> failures;   // tests: failing rows
  std::vector<std::string> executed_sql;  // statements run, for target/run/
  std::string compiled_code;              // the node's compiled SQL, for run_results
  // Microbatch models: the [start, end) windows that committed and that failed.
  std::vector<std::pair<std::string, std::string>> batches_ok;
  std::vector<std::pair<std::string, std::string>> batches_failed;
  // Lake targets: the lake snapshot the step's commit created.
  std::optional<std::int64_t> lake_snapshot;
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

}  // namespace pond::orchestrate
