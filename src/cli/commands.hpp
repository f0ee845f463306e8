#pragma once
// The commands, one file each (cmd_<name>.cpp). Flags are bound in app.cpp, the only file
// that includes CLI11; each command gets plain option structs.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::cli {

struct InitOptions {
  std::string directory;
};
int run_init(CommandContext& ctx, const InitOptions& options);

int run_debug(CommandContext& ctx);

struct ShowOptions {
  std::optional<std::string> inline_sql;
  std::vector<std::string> select;  // -s/--select: preview these models (compiled, refs resolved)
  std::string vars;                 // --vars, for -s
  long limit = 5;                   // negative: no limit
  std::string output = "table";
};
int run_show(CommandContext& ctx, const ShowOptions& options);

// `pond deps`: install packages.yml's packages into dbt_packages/, write package-lock.yml.
struct DepsOptions {
  bool upgrade = false;  // --upgrade: ignore package-lock.yml and resolve the ranges again
};
int run_deps(CommandContext& ctx, const DepsOptions& options);

using dbt::CleanOptions;
using dbt::CompileOptions;
using dbt::DocsGenerateOptions;
using dbt::FreshnessOptions;
using dbt::LsOptions;
using dbt::ParseOptions;
using dbt::RetryOptions;
using dbt::RunOperationOptions;
int run_parse(CommandContext& ctx, const ParseOptions& options);
int run_ls(CommandContext& ctx, const LsOptions& options);
int run_compile(CommandContext& ctx, const CompileOptions& options);
int run_docs_generate(CommandContext& ctx, const DocsGenerateOptions& options);
int run_retry(CommandContext& ctx, const RetryOptions& options);
int run_source_freshness(CommandContext& ctx, const FreshnessOptions& options);
int run_clean(CommandContext& ctx, const CleanOptions& options);
int run_run_operation(CommandContext& ctx, const RunOperationOptions& options);
int run_run(CommandContext& ctx, const ExecOptions& options);
int run_build(CommandContext& ctx, const ExecOptions& options);
int run_seed(CommandContext& ctx, const ExecOptions& options);
int run_test(CommandContext& ctx, const ExecOptions& options);
int run_snapshot(CommandContext& ctx, const ExecOptions& options);

// `pond runs` (recent runs) and `pond runs show ID` (one run, by id or unique prefix).
struct RunsOptions {
  std::optional<std::string> show_id;
  std::optional<std::string> cancel_id;     // `pond runs cancel ID` (running or queued)
  bool launch = false;                      // `pond runs launch`: run the submitted queued runs
  std::optional<std::string> reexecute_id;  // `pond runs reexecute ID [--failed]`
  bool failed_only = false;
  int limit = 20;
  std::string output = "table";
};
int run_runs(CommandContext& ctx, const RunsOptions& options);

// `pond template render FILE`: plain Jinja2 rendering of one template file to stdout.
struct TemplateRenderOptions {
  std::string file;
  std::optional<std::string> context_file;  // --context JSON_FILE: the template's variables
};
int run_template_render(CommandContext& ctx, const TemplateRenderOptions& options);

// `pond lake snapshots|tables|info [TABLE]|compact [TABLE]|expire --older-than AGE|cleanup|relocate`.
struct LakeOptions {
  std::string action;
  std::string table;                    // info, compact (empty: every table)
  std::optional<std::int64_t> version;  // tables, info: at this snapshot (default latest)
  std::string older_than;               // expire: 7d, 12h, 30m, 45s or a UTC timestamp
  bool dry_run = false;                 // cleanup: list only
  bool repair = false;                  // doctor: fix what can be fixed
  std::int64_t min_age_seconds = 600;   // cleanup: orphans younger than this may be a commit in flight
  std::string output = "table";
  std::string data_path;  // relocate: the data folder's new place (default: the configured one)
};
int run_lake(CommandContext& ctx, const LakeOptions& options);

// `pond serve [--listen HOST:PORT] [--users FILE]`: the lake over the PostgreSQL wire protocol;
// `pond serve --hash-password NAME`: a users-file line for the password on stdin.
struct ServeOptions {
  // Unset options take pond.yml's `serve:` values (docs/serve.md), then the defaults.
  std::optional<std::string> listen;  // default 127.0.0.1:5433
  std::optional<std::string> users_file;
  std::optional<std::string> hash_password_for;
  int workers = 8;
  std::string tls_cert;  // PEM files: TLS for the wire server when both are given
  std::string tls_key;
  std::string tls_client_ca;                 // client certificates signed by this CA log in as their CN
  bool tls_required = false;                 // refuse clients without TLS
  std::optional<std::string> http_listen;    // HOST:PORT of the HTTP table API (off without it)
  std::optional<std::string> new_token_for;  // print a token and its users-file line, and exit
};
int run_serve(CommandContext& ctx, const ServeOptions& options);

// `pond users add|passwd|rm NAME [--users FILE] [--password-stdin]`, `pond users list`: the users
// file (--users, else pond.yml's serve.users, else default_users_file) that `pond serve` reads.
struct UsersOptions {
  std::string action;  // add, passwd, rm, list
  std::string name;
  std::optional<std::string> users_file;
  bool password_stdin = false;
};
int run_users(CommandContext& ctx, const UsersOptions& options);
// `serve_users` beside pond.yml: where `pond users` writes and `pond serve` looks when pond.yml
// names no users file.
std::filesystem::path default_users_file(const std::filesystem::path& project_root);

// `pond ui` and `pond dev`: the web UI and its JSON API (src/ui).
struct UiCliOptions {
  std::string host = "127.0.0.1";
  int port = 3000;
  bool dev = false;
  // `pond dev`: also `pond serve` (as pond.yml's serve: says) in the same process. Unset: when
  // pond.yml sets serve.pg.listen.
  std::optional<bool> serve;
};
int run_ui(CommandContext& ctx, const UiCliOptions& options);
// When the target has a lake: `sql` with every lake_scan('t', version => N) expanded (the
// lake's tables are already views in the target's catalog, see open_target_database).
// Returns `sql` unchanged without a lake.
std::string expose_lake(const ResolvedProject& resolved, engine::Connection& con, const std::string& sql);

// `pond materialize`: the asset graph (dbt nodes and command assets), in runs.
struct MaterializeCliOptions {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::optional<std::string> partition;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::string vars;
  std::optional<int> threads;
  bool fail_fast = false;
  bool full_refresh = false;
  std::vector<std::string> tags;  // KEY=VALUE
  int priority = 0;
  bool submit = false;  // --submit: queue for `pond runs launch`
};
int run_materialize(CommandContext& ctx, const MaterializeCliOptions& options);
// `pond ingest [-s NAME]...`: the ingest resources of pond.yml (all, or those named), as
// `pond materialize` runs them.
struct IngestCliOptions {
  std::vector<std::string> select;  // resource names
  std::optional<int> threads;
  std::optional<std::string> partition, from, to;  // partitioned resources, as for materialize
};
int run_ingest(CommandContext& ctx, const IngestCliOptions& options);
// --tag KEY=VALUE flags as a map; throws UserError for anything else.
std::map<std::string, std::string> parse_tags(const std::vector<std::string>& tags);

// `pond backfill` (new, resume ID, cancel ID) and `pond backfills`.
struct BackfillCliOptions {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::string mode = "missing";
  std::string policy = "per-partition";
  bool reverse = false;
  bool dry_run = false;
  std::string vars;
  std::optional<int> threads;
  std::optional<std::string> resume_id;
  std::optional<std::string> cancel_id;
};
int run_backfill(CommandContext& ctx, const BackfillCliOptions& options);
struct BackfillsOptions {
  int limit = 20;
  std::string output = "table";
};
int run_backfills(CommandContext& ctx, const BackfillsOptions& options);

// `pond partitions add|remove NAME KEY...`: keys of a dynamic partitions definition.
struct PartitionsCliOptions {
  std::string action;  // add | remove
  std::string definition;
  std::vector<std::string> keys;
};
int run_partitions(CommandContext& ctx, const PartitionsCliOptions& options);

// `pond state prune [--dry-run]`: delete what pond.yml's retention: says is old.
struct StatePruneOptions {
  bool dry_run = false;
};
int run_state_prune(CommandContext& ctx, const StatePruneOptions& options);

// `pond status`: assets with their last materialization, partitions and staleness.
struct StatusOptions {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::string output = "table";
};
int run_status(CommandContext& ctx, const StatusOptions& options);

// `pond schedules [NAME] [--from UTC --until UTC]`: schedules with their next tick, or every tick
// of a window with the partition it runs (a dry run).
// `pond schedules on|off NAME` turns a schedule on or off; `pond schedules NAME` lists its ticks.
struct SchedulesOptions {
  std::string name;
  std::string from;
  std::string until;
  std::string output = "table";
  std::optional<std::pair<std::string, bool>> turn;  // on|off: the schedule and its new state
};
int run_schedules(CommandContext& ctx, const SchedulesOptions& options);

// `pond sensors [NAME]`, `pond sensors on|off NAME`.
struct SensorsOptions {
  std::string name;
  std::string output = "table";
  std::optional<std::pair<std::string, bool>> turn;
};
int run_sensors(CommandContext& ctx, const SensorsOptions& options);

// `pond automation [explain ASSET]`: the automated assets with their last evaluation; the
// recorded evaluations of one asset, with why it did or did not run.
struct AutomationCliOptions {
  std::string explain;  // the asset
  int limit = 20;
  std::string output = "table";
};
int run_automation(CommandContext& ctx, const AutomationCliOptions& options);

// `pond daemon [--simulate-from UTC --simulate-until UTC]`.
struct DaemonCliOptions {
  std::string simulate_from;
  std::string simulate_until;
  int poll_ms = 1000;
  std::string automation_interval = "30s";
};
int run_daemon(CommandContext& ctx, const DaemonCliOptions& options);

// `pond --version`: pond's version and commit, and the DuckDB library actually loaded.
std::string version_text();

}  // namespace pond::cli
