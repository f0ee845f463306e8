#pragma once
// `pond daemon`: evaluates the schedules (and sensors) of pond.yml on a loop, records each tick
// once with the runs it queues, and launches queued runs as `pond runs launch` does (on the wall
// clock from a thread of its own, so that a long run does not hold back the ticks). One daemon
// per run store (a lease row with a heartbeat). Time is the wall clock, or simulated: from one
// instant to another, jumping from tick to tick, so that days of ticks run in seconds (tests,
// and users previewing a schedule for real).
#include <chrono>
#include <iosfwd>
#include <optional>

#include "automation/schedule_ticks.hpp"
#include "exec/cancellation.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::automation {

struct DaemonOptions {
  // Simulated time: the daemon starts at `simulate_from` and stops after evaluating
  // `simulate_until`; runs still execute for real.
  std::optional<EpochSeconds> simulate_from;
  std::optional<EpochSeconds> simulate_until;
  // How often the wall-clock daemon looks for queued runs and evaluates sensors.
  std::chrono::milliseconds poll{1000};
  // At least this long between evaluations of declarative automation (pond.yml `automation:`);
  // an on_cron tick is evaluated at its time.
  std::chrono::seconds automation_interval{30};
  // A lease whose holder stopped heartbeating this long ago (on another host) may be taken over.
  std::chrono::seconds lease_stale{60};
};

// Runs until cancelled (SIGINT/SIGTERM: the run in progress is cancelled and recorded as such,
// the lease released; exit code 0) or, simulated, until the end of the window (exit code 1 when
// a run failed). Throws UserError when another daemon holds the run store.
int run_daemon(orchestrate::Workspace& ws, const DaemonOptions& options, exec::Cancellation& cancel,
               std::ostream& out);

}  // namespace pond::automation
