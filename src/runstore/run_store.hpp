#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/uuid.hpp"  // run ids
#include "state/database.hpp"

namespace pond::runstore {

// One schema change of the run store; migrations apply in version order, each in a transaction.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// The run store's migrations (docs/materialize.md describes the schema).
const std::vector<Migration>& run_store_migrations();

// Brings `db` to the last version of `migrations`; returns the version it is at afterwards.
// Throws state::Error if the store is newer than `migrations` (written by a newer pond).
// Migration SQL is portable: "{{id}}" stands for the dialect's identity primary key.
int apply_migrations(state::Database& db, const std::vector<Migration>& migrations);

struct RunRecord {
  std::string run_id;
  std::string command;    // run, build, test, seed, snapshot, ...
  std::string selection;  // --select/--exclude as given
  std::string args_json = "{}";
  std::string status;      // running | success | error | cancelled | crashed
  std::string started_at;  // ISO-8601 UTC
  std::string finished_at;
  std::string target;
  std::string trigger = "cli";  // cli | schedule | sensor | ui | backfill | retry
  std::string parent_run_id;    // the run a retry re-runs
  std::string summary_json;     // counts per status, elapsed
  // The process running it (start_run fills them in): a run whose process died is `crashed`.
  std::optional<std::int64_t> pid;
  std::string host;
  std::string heartbeat_at;
};

struct StepRecord {
  std::string run_id;
  std::string step_key;  // the node's unique id
  std::string resource_type;
  std::string status;
  std::string started_at;
  std::string finished_at;
  std::optional<double> duration_ms;
  std::optional<std::int64_t> rows_affected;
  std::optional<std::int64_t> failures;
  std::string message;
  std::string thread;
  std::string relation;
  int step_index = 0;
  std::optional<std::int64_t> lake_snapshot;  // lake targets: the snapshot the step committed
};

struct EventRecord {
  std::int64_t event_id = 0;
  std::string run_id;
  std::string step_key;
  std::string ts;
  std::string level = "info";
  std::string kind;  // run_start, step_start, step_finish, run_finish, log, ...
  std::string message;
  std::string payload_json;
};

struct MaterializationRecord {
  std::string asset_key;  // e.g. main.customers
  std::string run_id;
  std::string step_key;
  std::string ts;
  std::string partition_key;
  std::optional<std::int64_t> rows;
  std::optional<std::int64_t> bytes;
  std::optional<double> duration_ms;
  std::optional<std::int64_t> snapshot_id;  // lake snapshot, when the asset lives in the lake
  std::string metadata_json;
};

struct CheckRecord {
  std::string asset_key;
  std::string check_name;
  std::string run_id;
  std::string step_key;
  std::string ts;
  std::string status;  // pass | warn | fail | error | skipped
  std::string severity;
  std::optional<std::int64_t> failures;
  std::string message;
};

// The run store (DESIGN.md decision 5): runs, their steps and events, asset materializations
// and checks. SQLite (.pond/state.db, WAL) by default, PostgreSQL for several processes or
// hosts, through the state-store layer. Several processes share it; one RunStore object is
// used by one thread at a time (the recorder's writer thread owns its own).
class RunStore {
 public:
  // Opens or creates the SQLite store (and its folder) and migrates it to the current schema.
  static RunStore open(const std::filesystem::path& path);
  // "postgres:<conninfo>", "postgresql://...", "sqlite:<path>" or a path; relative paths are
  // resolved against `base_dir`.
  static RunStore open_spec(const std::string& spec, const std::filesystem::path& base_dir);
  RunStore(RunStore&&) noexcept;
  RunStore& operator=(RunStore&&) noexcept;
  ~RunStore();

  int schema_version();

  // Runs `body` (calls of this store) as one transaction: one commit instead of one per row.
  void transaction(const std::function<void()>& body);

  // Records the run (status running) with this process's pid, host and a first heartbeat.
  void start_run(const RunRecord& run);
  // Every step a run plans, recorded before any starts (status pending), so that a retry after a
  // crash finds the steps that never started too. Steps already recorded are left alone.
  void plan_steps(const std::string& run_id, const std::vector<StepRecord>& steps);
  // The run's process is alive: runs whose heartbeat stopped are found by mark_crashed_runs.
  void heartbeat(const std::string& run_id);
  // Runs still `running` whose process is gone become `crashed`: on this host, a pid that no
  // longer exists; anywhere, a heartbeat older than `stale`. Returns the runs it marked.
  std::vector<std::string> mark_crashed_runs(std::chrono::seconds stale = std::chrono::seconds(120));
  void finish_run(const std::string& run_id, const std::string& status, const std::string& finished_at,
                  const std::string& summary_json);
  void record_step(const StepRecord& step);  // insert or replace (run_id, step_key)
  std::int64_t record_event(const EventRecord& event);
  void record_materialization(const MaterializationRecord& m);
  void record_check(const CheckRecord& c);

  // Most recent first.
  std::vector<RunRecord> recent_runs(int limit);
  // By full id or unique prefix; nullopt when none matches. Throws when the prefix is ambiguous.
  std::optional<RunRecord> find_run(const std::string& id_or_prefix);
  std::vector<StepRecord> steps_of(const std::string& run_id);
  // The latest run, optionally only of the given commands (e.g. the run `pond retry` repeats).
  std::optional<RunRecord> last_run(const std::vector<std::string>& commands = {});
  // What `pond retry` re-runs: the steps of a run that failed, errored, were skipped, partly
  // succeeded or never finished (still running or pending: the process died).
  std::vector<StepRecord> steps_to_retry(const std::string& run_id);
  std::vector<EventRecord> events_of(const std::string& run_id);
  std::vector<MaterializationRecord> materializations_of(const std::string& asset_key, int limit);
  std::vector<CheckRecord> checks_of_run(const std::string& run_id);

 private:
  explicit RunStore(std::unique_ptr<state::Database> db);
  std::unique_ptr<state::Database> db_;
};

}  // namespace pond::runstore
