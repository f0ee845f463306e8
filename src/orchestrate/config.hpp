#pragma once
// pond.yml as pond reads it: the parts the orchestrator owns (state, retention, pools, the run
// queue, partitions, command assets, and pond settings for dbt nodes by selection). Every value
// keeps the place it came from, so later checks (an unknown asset in deps, a bad mapping) can
// name pond.yml:line:col. docs/orchestrate.md documents each key.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "ingest/resource.hpp"

namespace pond::orchestrate {

// How a failed step is tried again.
struct RetryPolicy {
  int max = 0;  // further attempts after the first
  std::chrono::milliseconds delay{0};
  enum class Backoff { kConstant, kLinear, kExponential } backoff = Backoff::kConstant;
  bool jitter = false;
};

// One partitions definition (`partitions:` entry).
struct PartitionsConfig {
  enum class Type { kHourly, kDaily, kWeekly, kMonthly, kCron, kStatic, kDynamic, kMulti };
  std::string name;
  Type type = Type::kDaily;
  SourceLocation where;
  // Time windows.
  std::string start;  // "2024-01-01" or "2024-01-01 06:00" (local time in `timezone`)
  std::string end;    // exclusive, optional
  std::string timezone = "UTC";
  std::string cron;  // type cron (also set for the fixed types: their schedule)
  int end_offset = 0;
  int minute_offset = 0;  // the fixed types: when the window starts within the hour/day/...
  int hour_offset = 0;
  int day_offset = 0;  // weekly: weekday (0 = Sunday), monthly: day of month (1-based)
  // Static.
  std::vector<std::string> values;
  // Multi: dimension name -> definition name (exactly two; one time, one not).
  std::vector<std::pair<std::string, std::string>> dimensions;
};

// How an asset's partitions map to an upstream's (`deps:` entries, `models:` rules).
struct MappingConfig {
  enum class Type { kDefault, kIdentity, kAll, kLast, kTimeWindow, kStatic } type = Type::kDefault;
  int start_offset = 0;  // time_window
  int end_offset = 0;
  std::map<std::string, std::vector<std::string>> static_map;  // upstream key -> downstream keys
  SourceLocation where;
};

// One entry of a command asset's `deps:`: an asset name or a selection, with an optional mapping.
struct DepConfig {
  std::string select;  // a name ("stg_orders") or a selection ("+fct_revenue", "tag:daily")
  MappingConfig mapping;
  SourceLocation where;
};

// What a command asset writes for pond to commit to the lake.
struct ProducesConfig {
  std::string table;               // "schema.table" in the target's lake
  std::string format = "parquet";  // parquet | csv | jsonl
  enum class Write { kReplace, kAppend } write = Write::kReplace;
  // Partitioned assets: the column holding the partition (time: its window is replaced; static:
  // its key). Keyed by dimension name for two dimensions ("" for one).
  std::map<std::string, std::string> partition_columns;
  SourceLocation where;
};

struct CheckDecl {
  std::string name;
  bool blocking = false;
  std::string description;
};

// Declarative automation (`automation:` on a command asset, or a root `automation:` block with
// `select:`): when the daemon requests a run of the asset by itself. Conditions are or-ed; a
// modifier under `unless:` vetoes them. docs/automation.md documents the semantics.
struct AutomationConfig {
  std::vector<std::string> select;  // root blocks: the assets it covers
  std::vector<std::string> exclude;
  std::string on_cron;  // a cron tick passed since the asset was last requested by it
  std::string timezone = "UTC";
  bool eager = false;                          // an upstream was materialized since this asset
  bool on_missing = false;                     // a partition that should exist does not
  bool unless_in_progress = false;             // also for on_cron (eager/on_missing imply it)
  bool unless_upstream_checks_failed = false;  // a parent's latest check failed
  bool latest_time_window_only = false;        // only the latest partition of a time dimension
  SourceLocation where;
};

// A freshness policy (`freshness:` on a command asset, or a root `freshness:` block with
// `select:`): how old an asset's latest materialization may be. With `deadline:` (a cron), the
// asset must have been materialized within `max_lag` before each deadline tick, from that tick
// on; without it, within `max_lag` of now.
struct FreshnessConfig {
  std::vector<std::string> select;  // root blocks
  std::vector<std::string> exclude;
  std::chrono::seconds max_lag{0};
  std::string deadline;  // cron (optional)
  std::string timezone = "UTC";
  SourceLocation where;
};

// A notification target (`notify:` entry): a webhook that receives a Slack-compatible JSON
// body ({"text": ...}) when a run fails or an asset becomes late. The URL comes from an
// environment variable (it is a secret: never in pond.yml, never logged).
struct NotifyConfig {
  std::string name;
  std::string url_env;  // the environment variable holding the URL
  bool on_run_failure = true;
  bool on_check_failure = true;  // an asset check of a finished run failed (fail or error)
  bool on_late = true;
  int retries = 3;                          // further attempts after a failed POST
  std::chrono::milliseconds backoff{1000};  // before the first retry, doubling
  SourceLocation where;
};

// A command asset (`assets:` entry).
struct AssetConfig {
  std::string name;
  SourceLocation where;
  std::vector<std::string> argv;  // `run:` as a list: executed directly
  std::string shell;              // `run:` as a string: executed by /bin/sh -c
  SourceLocation run_where;
  std::string description;
  std::string group = "default";
  std::vector<std::string> owners;
  std::vector<std::string> tags;
  std::map<std::string, std::string> env;
  std::string cwd;  // relative to the project folder; default the project folder
  std::optional<std::chrono::milliseconds> timeout;
  std::vector<DepConfig> deps;
  std::string partitions;  // definition name
  SourceLocation partitions_where;
  std::optional<ProducesConfig> produces;
  std::vector<CheckDecl> checks;
  std::optional<RetryPolicy> retry;
  std::string pool;
  SourceLocation pool_where;
  std::vector<std::string> code;  // extra files (globs) whose contents are part of the code version
  std::optional<AutomationConfig> automation;
  std::optional<FreshnessConfig> freshness;
};

// pond settings for dbt nodes picked by a selection (`models:` entry).
struct ModelRule {
  std::string select;
  SourceLocation where;
  std::string partitions;
  SourceLocation partitions_where;
  std::map<std::string, MappingConfig> mappings;  // upstream asset name -> mapping
  std::optional<RetryPolicy> retry;
  std::string pool;
  SourceLocation pool_where;
  std::optional<bool> blocking_checks;  // whether the nodes' tests stop command assets downstream
};

struct TagLimit {
  std::string key;
  std::optional<std::string> value;  // none: every run carrying the key counts
  int limit = 1;
};

struct RunQueueConfig {
  std::optional<int> max_concurrent_runs;  // none: unlimited
  std::vector<TagLimit> tag_limits;
};

struct RetentionConfig {
  std::optional<std::chrono::seconds> events;
  std::optional<std::chrono::seconds> runs;
};

// A schedule (`schedules:`): runs a selection at the ticks of a cron in a time zone; on a
// partitioned selection, the partition whose window the tick closes.
struct ScheduleConfig {
  std::string name;
  std::string cron;                 // 5 fields or @hourly/@daily/@weekly/@monthly/@yearly
  std::string timezone = "UTC";     // IANA name
  std::vector<std::string> select;  // selection over the asset graph (default: everything)
  std::vector<std::string> exclude;
  std::string partitions;  // a time-window partitions definition (empty: unpartitioned runs)
  int catchup = 1;         // after downtime, at most this many of the missed ticks run (latest first)
  bool enabled = true;     // the default of `pond schedules on|off`
  SourceLocation where;
};

// A sensor (`sensors:`): runs a selection when something happens: new or changed files under a
// folder (`type: files`), a new materialization of an asset (`type: asset`, by any process), or
// a run that finished with a status (`type: run_status`).
struct SensorConfig {
  std::string name;
  std::string type;                        // files | asset | run_status | command
  std::string path;                        // files: the folder, relative to the project
  std::string glob = "*";                  // files: matched against paths relative to `path`
  std::string asset;                       // asset: the asset whose materializations trigger it
  std::string run_status;                  // run_status: failure (error or crashed) or success
  std::vector<std::string> watch;          // run_status: runs of these assets (default: any run)
  std::vector<std::string> argv;           // command: `run:` as a list, executed directly
  std::string shell;                       // command: `run:` as a string, executed by /bin/sh -c
  std::map<std::string, std::string> env;  // command: added to its environment
  std::string cwd;                         // command: relative to the project (default: the project)
  // files and command: an evaluation that takes longer fails (the command is killed).
  std::chrono::milliseconds timeout{60000};
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::chrono::milliseconds interval{30000};  // at least this long between evaluations
  bool enabled = true;                        // the default of `pond sensors on|off`
  SourceLocation where;
};

// pond.yml `serve:` (docs/serve.md): what `pond serve` listens on and with what; its
// command-line options override each value. Paths are absolute (resolved against pond.yml's folder).
// One role of `serve: roles:` (docs/serve.md "Roles and grants"). Names are as written; every
// name keeps its place in pond.yml so that `pond serve` can say where an unknown table or
// column is named.
struct ServeRoleConfig {
  struct Name {
    std::string name;
    SourceLocation where;
  };
  struct Grant {
    Name schema;
    std::vector<Name> tables;  // empty: every table and view of the schema
  };
  struct RowFilter {
    Name table;  // "table" or "schema.table"
    std::string predicate;
    SourceLocation where;  // of the predicate
  };
  struct ColumnMask {
    Name table;
    Name column;
    std::optional<std::string> expression;  // nullopt: NULL
    SourceLocation where;                   // of the expression
  };
  Name name;
  bool admin = false;  // reads everything and runs any statement (pond serve without roles)
  std::vector<Name> members;
  std::vector<Grant> grants;
  std::vector<RowFilter> row_filters;
  std::vector<ColumnMask> column_masks;
};

struct ServeConfig {
  std::optional<std::string> users;          // users file
  std::optional<std::string> pg_listen;      // serve.pg.listen
  std::optional<std::string> tls_cert;       // serve.pg.tls.cert
  std::optional<std::string> tls_key;        // serve.pg.tls.key
  bool tls_required = false;                 // serve.pg.tls.required
  std::optional<std::string> tls_client_ca;  // serve.pg.tls.client_ca
  bool cleartext_passwords = false;          // serve.pg.tls.cleartext_passwords
  std::optional<std::string> http_listen;    // serve.http.listen
  std::vector<ServeRoleConfig> roles;        // serve.roles (empty: every user is an admin)
  SourceLocation roles_where;
  // serve.user_settings: user -> NAME -> value, what current_setting('pond.NAME') gives it.
  std::map<std::string, std::map<std::string, std::string>> user_settings;
  SourceLocation user_settings_where;
};

struct PondConfig {
  std::filesystem::path file;  // pond.yml (may not exist: every key has a default)
  bool exists = false;
  std::string state = ".pond/state.db";
  RetentionConfig retention;
  std::map<std::string, int> pools;
  RunQueueConfig run_queue;
  std::vector<PartitionsConfig> partitions;
  std::vector<AssetConfig> assets;
  std::vector<ModelRule> models;
  std::vector<ScheduleConfig> schedules;
  std::vector<ingest::ResourceConfig> ingest;  // `ingest:` resources (docs/ingest.md)
  std::vector<SensorConfig> sensors;
  ServeConfig serve;
  std::vector<AutomationConfig> automation;  // root `automation:` blocks (each with select:)
  std::vector<FreshnessConfig> freshness;    // root `freshness:` blocks (each with select:)
  std::vector<NotifyConfig> notify;

  const PartitionsConfig* find_partitions(const std::string& name) const;
};

// Reads <project>/pond.yml strictly: an unknown key, a wrong type or a bad value is a UserError
// naming pond.yml:line:col, with a did-you-mean where one fits. A missing file is an empty config.
PondConfig load_pond_config(const std::filesystem::path& project_root);
PondConfig parse_pond_config(const std::string& text, const std::filesystem::path& file);

}  // namespace pond::orchestrate
