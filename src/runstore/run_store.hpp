#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
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
  std::string status;      // queued | running | success | error | cancelled | crashed
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
  int priority = 0;       // the run queue: higher goes first
  std::string queued_at;  // when it was queued (empty: it never was)
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

// The latest outcome of a stretch of an asset's partitions: [range_start, range_end) of the
// time dimension in epoch seconds ([0, 1) without one) under a list key ("" without a list
// dimension). Unpartitioned assets have one stretch, [0, 1) under "".
struct PartitionRangeRecord {
  std::string asset_key;
  std::string list_key;
  std::int64_t range_start = 0;
  std::int64_t range_end = 1;
  std::string status;  // materialized | failed
  std::string run_id;
  std::string ts;
  std::string code_version;
};

// What a run was started to materialize (one row per asset and stretch), so that other
// processes see which partitions are in progress.
struct RunTargetRecord {
  std::string asset_key;
  std::string list_key;
  std::int64_t range_start = 0;
  std::int64_t range_end = 1;
};

// A backfill (`pond backfill`): the partitions of the selected assets in a range, split into
// runs that are planned and recorded before the first starts, so that it resumes after a crash.
struct BackfillRecord {
  std::string backfill_id;
  std::string selection;
  std::string partitions;  // the partitions definition
  std::string range_from, range_to;
  std::string mode;    // missing | failed | all
  std::string policy;  // per-partition | batch:N | single-run
  std::string status;  // running | success | failed | cancelled
  std::string args_json = "{}";
  std::string created_at;
  std::string finished_at;
  std::optional<std::int64_t> pid;
  std::string host;
  bool cancel_requested = false;
};

// One planned run of a backfill: a stretch of partitions of some of its assets.
struct BackfillRunRecord {
  std::string backfill_id;
  int seq = 0;
  std::string list_key;
  std::int64_t range_start = 0;
  std::int64_t range_end = 1;
  std::int64_t partitions = 1;
  std::string assets_json = "[]";  // asset keys
  std::string status = "pending";  // pending | running | success | failed | cancelled
  std::string run_id;
};

// A limit of the run queue on runs carrying a tag (Dagster's tag_concurrency_limits): at most
// `limit` runs with tag `key` (= `value`, when given; any value otherwise) run at once.
struct QueueTagLimit {
  std::string key;
  std::optional<std::string> value;
  int limit = 1;
};

// The run queue's limits (pond.yml `run_queue:`); none: every queued run starts at once.
struct QueueLimits {
  std::optional<int> max_concurrent_runs;
  std::vector<QueueTagLimit> tag_limits;
};

// A queued run with its tags, in queue order.
struct QueuedRun {
  RunRecord run;
  std::map<std::string, std::string> tags;
};

// What a prune removed (or, dry run, would remove).
struct PruneResult {
  std::int64_t runs = 0;       // runs with their steps, events, materializations, checks, tags
  std::int64_t events = 0;     // events of finished runs that are kept
  std::int64_t kept_runs = 0;  // old runs kept: they hold the latest outcome of an asset, partition or check
};

// One evaluation of a schedule or sensor (`source` "schedule:NAME" or "sensor:NAME") at a tick
// (epoch seconds): recorded once, so that no daemon, restarted or not, runs a tick twice.
struct TickRecord {
  std::string source;
  std::int64_t tick_at = 0;
  std::string status;  // submitted | skipped | failed
  std::vector<std::string> run_ids;
  std::string reason;  // why skipped or failed; what triggered a sensor
  std::string recorded_at;
};

// The state of a schedule or sensor kept by the store: `pond schedules on|off` (overriding
// pond.yml's `enabled:`) and how far the daemon has evaluated it.
struct AutomationState {
  std::optional<bool> enabled;
  std::optional<std::string> cursor;
};

// The process holding the daemon lease (one daemon per run store).
struct DaemonLease {
  std::string token;
  std::optional<std::int64_t> pid;
  std::string host;
  std::string started_at;
  std::string heartbeat_at;
};

// A file a file sensor has seen, as it was when it triggered a run.
struct SensorFile {
  std::string path;
  std::int64_t mtime_ns = 0;
  std::int64_t size = 0;
  std::string etag;  // an object store's: an object is changed when its ETag is; "" on local disk
};

// One evaluation of an asset's declarative automation at a daemon tick (epoch seconds): whether
// it requested a run, by which condition, of which partitions, and why (or why not).
struct AutomationEvaluation {
  std::string asset_key;
  std::int64_t tick_at = 0;
  bool requested = false;
  std::string condition;   // eager | on_missing | on_cron (requested), else empty
  std::string partitions;  // the requested partitions, as text ("" unpartitioned)
  std::vector<std::string> run_ids;
  std::string reason;
  std::string recorded_at;
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
  // Runs still `running` (or `queued` and waited for) whose process is gone become `crashed`: on this host, a
  // pid that no longer exists; anywhere, a heartbeat older than `stale`. Returns the runs it marked.
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
  // Events of every run recorded after `after_event_id`, oldest first (live views follow the
  // store with it), and the id of the last event (0 without any).
  std::vector<EventRecord> events_since(std::int64_t after_event_id, int limit);
  std::int64_t last_event_id();
  std::vector<MaterializationRecord> materializations_of(const std::string& asset_key, int limit);
  std::vector<CheckRecord> checks_of_run(const std::string& run_id);
  // An asset's check results, most recent first (its checks' history).
  std::vector<CheckRecord> checks_of(const std::string& asset_key, int limit);
  // The latest materialization of every asset without a partition key (what `pond build` and
  // unpartitioned asset runs record).
  std::vector<MaterializationRecord> latest_materializations();
  // The latest result of every check of every asset.
  std::vector<CheckRecord> latest_checks();

  // ---- partitions (partitions.cpp)
  // Records the outcome of a stretch: it replaces what the stretch overlaps, and merges with
  // neighbours of the same status, run and code version. Call inside transaction().
  void record_partition_range(const PartitionRangeRecord& r);
  // Every stretch of every asset (ordered by asset, list key, start): the input of status.
  std::vector<PartitionRangeRecord> partition_ranges();
  // Changes with every write of partition stretches (by any process): a reader holding
  // partition_ranges() re-reads them only when it changed.
  std::int64_t partition_ranges_version();
  std::vector<PartitionRangeRecord> partition_ranges_of(const std::string& asset_key);
  // Adds keys to a dynamic partitions definition; returns those that were new.
  std::vector<std::string> add_dynamic_partitions(const std::string& definition,
                                                  const std::vector<std::string>& keys);
  // definition -> keys in the order they were added.
  std::map<std::string, std::vector<std::string>> dynamic_partitions();
  std::vector<std::string> remove_dynamic_partitions(const std::string& definition,
                                                     const std::vector<std::string>& keys);
  void record_run_targets(const std::string& run_id, const std::vector<RunTargetRecord>& targets);
  std::vector<RunTargetRecord> run_targets(const std::string& run_id);
  // Targets of runs still marked running (with their run ids).
  std::vector<std::pair<std::string, RunTargetRecord>> running_targets();
  void set_run_tags(const std::string& run_id, const std::map<std::string, std::string>& tags);
  std::map<std::string, std::string> run_tags(const std::string& run_id);
  // Runs carrying tag key=value, most recent first.
  std::vector<std::string> runs_with_tag(const std::string& key, const std::string& value);

  // ---- backfills (backfills.cpp)
  // Records a backfill (running, this process) and its planned runs, in one transaction.
  void create_backfill(const BackfillRecord& b, const std::vector<BackfillRunRecord>& runs);
  // By full id or unique prefix. Throws UserError when the prefix is ambiguous.
  std::optional<BackfillRecord> find_backfill(const std::string& id_or_prefix);
  std::vector<BackfillRecord> recent_backfills(int limit);
  std::vector<BackfillRunRecord> backfill_runs(const std::string& backfill_id);
  void set_backfill_run(const std::string& backfill_id, int seq, const std::string& status,
                        const std::string& run_id);
  // This process takes the backfill over (resume): running, its pid and host, no cancel request.
  void claim_backfill(const std::string& backfill_id);
  void finish_backfill(const std::string& backfill_id, const std::string& status);
  void request_backfill_cancel(const std::string& backfill_id);
  // Whether the process recorded for a running backfill is still alive (on this host; another
  // host's process is taken as alive).
  bool backfill_process_alive(const BackfillRecord& b);

  // ---- the run queue (queue.cpp)
  // Records a run as `queued` with its priority and tags. `detached`: no process waits for it
  // (`pond materialize --submit`), any launcher may take it; otherwise this process owns it and
  // the run is crashed when the process dies while it waits.
  void enqueue_run(const RunRecord& run, const std::map<std::string, std::string>& tags, bool detached);
  // In one write transaction (SQLite: an immediate transaction; PostgreSQL: an advisory lock that
  // serializes claimers, the queued rows read FOR UPDATE SKIP LOCKED): walks the queued runs by
  // priority (higher first), then in the order they were queued; a run is admitted while the
  // global limit has room and none of its tag limits is full (a run held back by a tag limit
  // does not hold back the runs behind it), and admitted runs count against the limits. The
  // first admitted run `may_take` accepts becomes `running` for this process and is returned.
  // Two processes never claim the same run.
  std::optional<RunRecord> claim_queued_run(const QueueLimits& limits,
                                            const std::function<bool(const RunRecord&)>& may_take);
  // The queued runs, in queue order.
  std::vector<QueuedRun> queued_runs();
  // Cancels a run that is still queued; false when it is not queued (any more).
  bool cancel_queued_run(const std::string& run_id);

  // ---- pools across runs (queue.cpp)
  // Takes a slot of `pool` for a step when fewer than `limit` are held by running runs (slots of
  // runs that are no longer running are freed first). One write transaction, like a run claim.
  bool claim_pool_slot(const std::string& pool, int limit, const std::string& run_id,
                       const std::string& step_key);
  void release_pool_slot(const std::string& run_id, const std::string& step_key);

  // ---- retention (prune.cpp)
  // Deletes runs finished before `runs_before` (ISO-8601 UTC) with all their rows, except runs
  // whose materialization, partition outcome or check result is still the latest one; and
  // events older than `events_before` of runs that have finished. Never touches a queued or
  // running run. One transaction; `dry_run` only counts.
  PruneResult prune(const std::optional<std::string>& runs_before,
                    const std::optional<std::string>& events_before, bool dry_run);

  // ---- automation (automation.cpp)
  // In one transaction: records the tick, queues its runs (detached, as `pond materialize
  // --submit`), records `seen` files of a file sensor and moves the source's cursor. Returns
  // false, writing nothing, when the tick was recorded already (by another or an earlier daemon).
  bool record_tick(const TickRecord& tick, const std::vector<QueuedRun>& runs,
                   const std::optional<std::string>& cursor, const std::vector<SensorFile>& seen = {});
  // Most recent first.
  std::vector<TickRecord> recent_ticks(const std::string& source, int limit);
  AutomationState automation_state(const std::string& source);
  // Turns a schedule or sensor on or off; its cursor is cleared, so that turning it on does not
  // catch up the ticks it missed while off.
  void set_automation_enabled(const std::string& source, bool enabled);
  void set_automation_cursor(const std::string& source, const std::string& cursor);
  // path -> what a file sensor saw of it last.
  std::map<std::string, SensorFile> sensor_files(const std::string& sensor);
  // Takes the daemon lease for `token` unless a live daemon holds it (this host: its pid exists;
  // another host: a heartbeat within `stale`); returns that holder when it does.
  std::optional<DaemonLease> acquire_daemon_lease(const std::string& token, std::chrono::seconds stale);
  // Renews the heartbeat; false when the lease is no longer this token's (taken over).
  bool renew_daemon_lease(const std::string& token);
  void release_daemon_lease(const std::string& token);
  std::optional<DaemonLease> daemon_lease();
  // Declarative automation: in one transaction, the tick (source "automation"), the runs it
  // queues, each asset's evaluation and the cursors (source -> cursor) it moves. Returns false,
  // writing nothing, when the tick was recorded already.
  bool record_automation_tick(const TickRecord& tick, const std::vector<QueuedRun>& runs,
                              const std::vector<AutomationEvaluation>& evaluations,
                              const std::map<std::string, std::string>& cursors);
  // An asset's recorded evaluations, most recent first.
  std::vector<AutomationEvaluation> automation_evaluations(const std::string& asset_key, int limit);
  // The latest recorded evaluation of every asset, by asset key.
  std::map<std::string, AutomationEvaluation> latest_automation_evaluations();

  // ---- cancel requests (another process asks a run's process to stop it)
  void request_run_cancel(const std::string& run_id);
  bool run_cancel_requested(const std::string& run_id);

 private:
  explicit RunStore(std::unique_ptr<state::Database> db);
  // The INSERT of enqueue_run, inside the caller's transaction.
  void insert_queued_run(const RunRecord& run, const std::map<std::string, std::string>& tags, bool detached);
  std::unique_ptr<state::Database> db_;
};

}  // namespace pond::runstore
