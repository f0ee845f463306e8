#pragma once
// The orchestrator's commands of the CLI (runs, ingest, materialize, schedules, sensors, daemon,
// automation, backfill(s), partitions, state, status), registered on the app by run_app.
#include <functional>
#include <string>

#include "cli/commands.hpp"

namespace CLI {
class App;
}

namespace pond::cli {

// What the orchestrator's commands parse into; owned by run_app, so it outlives parsing.
struct OrchestrateCommandOptions {
  RunsOptions runs;
  std::string runs_show_id;
  std::string runs_cancel_id;
  std::string runs_reexecute_id;
  IngestCliOptions ingest_options;
  MaterializeCliOptions materialize;
  SchedulesOptions schedules;
  std::string schedules_on, schedules_off;
  SensorsOptions sensors;
  std::string sensors_on, sensors_off;
  DaemonCliOptions daemon;
  AutomationCliOptions automation;
  BackfillCliOptions backfill;
  std::string backfill_resume_id, backfill_cancel_id;
  BackfillsOptions backfills;
  PartitionsCliOptions partitions_opts;
  StatePruneOptions state_prune;
  StatusOptions status;
};

// Adds the commands to `app`; the one that is parsed sets `action` to run it with `ctx`.
void add_orchestrate_commands(CLI::App& app, CommandContext& ctx, std::function<int()>& action,
                              OrchestrateCommandOptions& o);

}  // namespace pond::cli
