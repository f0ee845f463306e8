#include "cli/app_orchestrate.hpp"

#include <CLI/CLI.hpp>
#include <array>
#include <string_view>

namespace pond::cli {

void add_orchestrate_commands(CLI::App& app, CommandContext& ctx, std::function<int()>& action,
                              OrchestrateCommandOptions& o) {
  auto& runs = o.runs;
  auto& runs_show_id = o.runs_show_id;
  auto* runs_cmd = app.add_subcommand("runs", "List the recent runs recorded in .pond/state.db");
  runs_cmd->add_option("--limit", runs.limit, "How many runs to list")->capture_default_str();
  runs_cmd->add_option("--output,-o", runs.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  auto* runs_show_cmd =
      runs_cmd->add_subcommand("show", "One run: its steps with status, timing, rows and errors");
  runs_show_cmd->add_option("id", runs_show_id, "Run id, or a unique prefix of it")->required();
  runs_show_cmd->add_option("--output,-o", runs.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  auto& runs_cancel_id = o.runs_cancel_id;
  auto* runs_cancel_cmd = runs_cmd->add_subcommand(
      "cancel",
      "Cancel a queued or running run from any process: its running steps stop, the rest are cancelled");
  runs_cancel_cmd->add_option("id", runs_cancel_id, "Run id, or a unique prefix of it")->required();
  auto* runs_launch_cmd = runs_cmd->add_subcommand(
      "launch",
      "Start the queued runs no process waits for (materialize --submit), as the run queue admits them");
  runs_launch_cmd->callback([&] { runs.launch = true; });
  auto& runs_reexecute_id = o.runs_reexecute_id;
  auto* runs_reexecute_cmd = runs_cmd->add_subcommand(
      "reexecute",
      "Run a recorded asset run again as a new run (same assets and partition), or only what failed");
  runs_reexecute_cmd->add_option("id", runs_reexecute_id, "Run id, or a unique prefix of it")->required();
  runs_reexecute_cmd->add_flag("--failed", runs.failed_only,
                               "Only the assets whose step or check failed, was skipped or did not finish");
  runs_cmd->callback([&] {
    action = [&] {
      if (!runs_cancel_id.empty()) runs.cancel_id = runs_cancel_id;
      if (!runs_show_id.empty()) runs.show_id = runs_show_id;
      if (!runs_reexecute_id.empty()) runs.reexecute_id = runs_reexecute_id;
      return run_runs(ctx, runs);
    };
  });

  auto& ingest_options = o.ingest_options;
  auto* ingest_cmd = app.add_subcommand(
      "ingest", "Load the ingest resources of pond.yml (files into lake tables); a shortcut of materialize");
  ingest_cmd->add_option("-s,--select", ingest_options.select, "Resources to load (names; default: all)");
  ingest_cmd->add_option("--threads", ingest_options.threads, "Resources loaded at once")
      ->check(CLI::PositiveNumber);
  ingest_cmd->add_option("--partition", ingest_options.partition,
                         "The partition key partitioned resources load (default: their latest)");
  ingest_cmd->add_option("--from", ingest_options.from, "First partition key of a range");
  ingest_cmd->add_option("--to", ingest_options.to, "Last partition key of a range (inclusive)");
  ingest_cmd->callback([&] { action = [&] { return run_ingest(ctx, ingest_options); }; });

  auto& materialize = o.materialize;
  auto* materialize_cmd = app.add_subcommand(
      "materialize",
      "Materialize assets of the asset graph (dbt nodes and pond.yml command assets) in one run");
  materialize_cmd->add_option("-s,--select", materialize.select, "Assets to include (dbt selection syntax)");
  materialize_cmd->add_option("--exclude", materialize.exclude, "Assets to leave out (dbt selection syntax)");
  materialize_cmd->add_option("--partition", materialize.partition, "The partition key to materialize");
  materialize_cmd->add_option("--from", materialize.from, "First partition key of a range");
  materialize_cmd->add_option("--to", materialize.to, "Last partition key of a range (inclusive)");
  materialize_cmd->add_option("--vars", materialize.vars, "Variables as YAML/JSON for the dbt nodes");
  materialize_cmd
      ->add_option("--threads,--max-concurrent", materialize.threads,
                   "Steps run at a time (default: the target's threads)")
      ->check(CLI::PositiveNumber);
  materialize_cmd->add_flag("--fail-fast,-x", materialize.fail_fast, "Stop at the first failure");
  materialize_cmd->add_flag("--full-refresh,-f", materialize.full_refresh,
                            "Rebuild incremental models, reload seeds");
  materialize_cmd->add_option("--tag", materialize.tags, "A run tag KEY=VALUE (run queue limits count them)");
  materialize_cmd->add_option("--priority", materialize.priority, "Queue priority (higher runs first)")
      ->capture_default_str();
  materialize_cmd->add_flag("--submit", materialize.submit,
                            "Queue the run and return: `pond runs launch` (any process) starts it");
  materialize_cmd->callback([&] { action = [&] { return run_materialize(ctx, materialize); }; });

  auto& schedules = o.schedules;
  auto* schedules_cmd = app.add_subcommand(
      "schedules", "List pond.yml's schedules with their next tick; --from/--until: every tick of a window");
  schedules_cmd->add_option("name", schedules.name, "Only this schedule");
  schedules_cmd->add_option("--from", schedules.from, "Start of a dry-run window (UTC, e.g. 2026-03-28)");
  schedules_cmd->add_option("--until", schedules.until, "End of the window (UTC, inclusive)");
  schedules_cmd->add_option("--output,-o", schedules.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  auto& schedules_on = o.schedules_on;
  auto& schedules_off = o.schedules_off;
  schedules_cmd->add_subcommand("on", "Turn a schedule on (the run store; overrides pond.yml's enabled:)")
      ->add_option("name", schedules_on, "The schedule")
      ->required();
  schedules_cmd->add_subcommand("off", "Turn a schedule off: the daemon does not tick it")
      ->add_option("name", schedules_off, "The schedule")
      ->required();
  schedules_cmd->callback([&] {
    action = [&] {
      if (!schedules_on.empty()) schedules.turn = {schedules_on, true};
      if (!schedules_off.empty()) schedules.turn = {schedules_off, false};
      return run_schedules(ctx, schedules);
    };
  });

  auto& sensors = o.sensors;
  auto* sensors_cmd = app.add_subcommand(
      "sensors", "List pond.yml's sensors with their last evaluation; NAME: its recorded evaluations");
  sensors_cmd->add_option("name", sensors.name, "Only this sensor");
  sensors_cmd->add_option("--output,-o", sensors.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  auto& sensors_on = o.sensors_on;
  auto& sensors_off = o.sensors_off;
  sensors_cmd->add_subcommand("on", "Turn a sensor on (the run store; overrides pond.yml's enabled:)")
      ->add_option("name", sensors_on, "The sensor")
      ->required();
  sensors_cmd->add_subcommand("off", "Turn a sensor off: the daemon does not evaluate it")
      ->add_option("name", sensors_off, "The sensor")
      ->required();
  sensors_cmd->callback([&] {
    action = [&] {
      if (!sensors_on.empty()) sensors.turn = {sensors_on, true};
      if (!sensors_off.empty()) sensors.turn = {sensors_off, false};
      return run_sensors(ctx, sensors);
    };
  });

  auto& daemon = o.daemon;
  auto* daemon_cmd = app.add_subcommand(
      "daemon",
      "Run pond.yml's schedules and launch queued runs, until SIGTERM/Ctrl-C (one daemon per run store)");
  daemon_cmd->add_option("--simulate-from", daemon.simulate_from,
                         "Simulated time: start at this UTC instant (ticks run for real, time jumps)");
  daemon_cmd->add_option("--simulate-until", daemon.simulate_until,
                         "Simulated time: stop after this UTC instant");
  daemon_cmd->add_option("--poll", daemon.poll_ms, "How often to look for queued runs (milliseconds)")
      ->capture_default_str();
  daemon_cmd
      ->add_option("--automation-interval", daemon.automation_interval,
                   "How often to evaluate pond.yml's automation: conditions (e.g. 30s, 5m)")
      ->capture_default_str();
  daemon_cmd->callback([&] { action = [&] { return run_daemon(ctx, daemon); }; });

  auto& automation = o.automation;
  auto* automation_cmd = app.add_subcommand(
      "automation", "List the assets pond.yml automates with their last evaluation by the daemon");
  automation_cmd->add_option("--output,-o", automation.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  auto* explain_cmd = automation_cmd->add_subcommand(
      "explain", "The daemon's recorded evaluations of an asset: why it did or did not run");
  explain_cmd->add_option("asset", automation.explain, "The asset")->required();
  explain_cmd->add_option("--limit,-n", automation.limit, "How many evaluations (most recent first)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  explain_cmd->add_option("--output,-o", automation.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  automation_cmd->callback([&] { action = [&] { return run_automation(ctx, automation); }; });

  auto& backfill = o.backfill;
  auto& backfill_resume_id = o.backfill_resume_id;
  auto& backfill_cancel_id = o.backfill_cancel_id;
  auto* backfill_cmd = app.add_subcommand(
      "backfill",
      "Materialize the partitions of a range that are missing or failed, in recorded, resumable runs");
  backfill_cmd->add_option("-s,--select", backfill.select, "Assets to backfill (dbt selection syntax)");
  backfill_cmd->add_option("--exclude", backfill.exclude, "Assets to leave out");
  backfill_cmd->add_option("--from", backfill.from, "First partition key of the range");
  backfill_cmd->add_option("--to", backfill.to, "Last partition key of the range (inclusive)");
  backfill_cmd->add_option("--mode", backfill.mode, "missing, failed or all")->capture_default_str();
  backfill_cmd->add_option("--policy", backfill.policy, "per-partition, batch:N or single-run")
      ->capture_default_str();
  backfill_cmd->add_flag("--reverse", backfill.reverse, "Newest partitions first");
  backfill_cmd->add_flag("--dry-run", backfill.dry_run, "Print the plan (runs, partitions, steps) and stop");
  backfill_cmd->add_option("--vars", backfill.vars, "Variables as YAML/JSON for the dbt nodes");
  backfill_cmd->add_option("--threads,--max-concurrent", backfill.threads, "Steps run at a time in each run")
      ->check(CLI::PositiveNumber);
  auto* backfill_resume_cmd = backfill_cmd->add_subcommand(
      "resume", "Go on with a backfill whose process stopped or that was cancelled");
  backfill_resume_cmd->add_option("id", backfill_resume_id, "Backfill id, or a unique prefix of it")
      ->required();
  auto* backfill_cancel_cmd =
      backfill_cmd->add_subcommand("cancel", "Stop a running backfill from any process");
  backfill_cancel_cmd->add_option("id", backfill_cancel_id, "Backfill id, or a unique prefix of it")
      ->required();
  backfill_cmd->callback([&] {
    action = [&] {
      if (!backfill_resume_id.empty()) backfill.resume_id = backfill_resume_id;
      if (!backfill_cancel_id.empty()) backfill.cancel_id = backfill_cancel_id;
      return run_backfill(ctx, backfill);
    };
  });
  auto& backfills = o.backfills;
  auto* backfills_cmd = app.add_subcommand("backfills", "List the recent backfills with their progress");
  backfills_cmd->add_option("--limit", backfills.limit, "How many backfills to list")->capture_default_str();
  backfills_cmd->add_option("--output,-o", backfills.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  backfills_cmd->callback([&] { action = [&] { return run_backfills(ctx, backfills); }; });

  auto& partitions_opts = o.partitions_opts;
  auto* partitions_cmd = app.add_subcommand(
      "partitions", "Add or remove the keys of a dynamic partitions definition (pond.yml)");
  partitions_cmd->require_subcommand(1);
  for (const char* verb : {"add", "remove"}) {
    auto* c = partitions_cmd->add_subcommand(verb, std::string(verb) == "add"
                                                       ? "Add keys to a dynamic partitions definition"
                                                       : "Remove keys from a dynamic partitions definition");
    c->add_option("name", partitions_opts.definition, "The dynamic partitions definition")->required();
    c->add_option("keys", partitions_opts.keys, "Partition keys")->required();
    c->callback([&, c] {
      partitions_opts.action = c->get_name();
      action = [&] { return run_partitions(ctx, partitions_opts); };
    });
  }

  auto& state_prune = o.state_prune;
  auto* state_cmd = app.add_subcommand("state", "Maintain the run store (.pond/state.db or pond.yml state:)");
  state_cmd->require_subcommand(1);
  auto* state_prune_cmd = state_cmd->add_subcommand(
      "prune",
      "Delete old runs and events as pond.yml retention: says (never a run in progress or a latest outcome)");
  state_prune_cmd->add_flag("--dry-run", state_prune.dry_run, "Count what would be deleted, delete nothing");
  state_prune_cmd->callback([&] { action = [&] { return run_state_prune(ctx, state_prune); }; });

  auto& status = o.status;
  auto* status_cmd = app.add_subcommand(
      "status", "List assets with their last materialization, partitions, and whether each is stale and why");
  status_cmd->add_option("-s,--select", status.select, "Assets to list (dbt selection syntax)");
  status_cmd->add_option("--exclude", status.exclude, "Assets to leave out");
  status_cmd->add_option("--output,-o", status.output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  status_cmd->callback([&] { action = [&] { return run_status(ctx, status); }; });
}

}  // namespace pond::cli
