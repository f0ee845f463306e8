// `pond daemon`: the automation daemon (schedules, the run queue), on the wall clock or simulated.
#include <iostream>

#include "automation/daemon.hpp"
#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::cli {

namespace {

std::optional<automation::EpochSeconds> instant(const std::string& text, const char* flag) {
  if (text.empty()) return std::nullopt;
  auto t = parse_utc_time(text);
  if (!t)
    throw UserError(std::string(flag) + " '" + text + "' is not a UTC time",
                    "e.g. 2026-03-28, 2026-03-28T06:00 or 2026-03-28T06:00:00Z");
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

}  // namespace

int run_daemon(CommandContext& ctx, const DaemonCliOptions& options) {
  automation::DaemonOptions o;
  o.simulate_from = instant(options.simulate_from, "--simulate-from");
  o.simulate_until = instant(options.simulate_until, "--simulate-until");
  if (options.poll_ms < 10) throw UserError("--poll must be at least 10 (milliseconds)");
  o.poll = std::chrono::milliseconds(options.poll_ms);
  auto every = parse_duration(options.automation_interval);
  if (!every || every->count() < 1)
    throw UserError(
        "--automation-interval '" + options.automation_interval + "' is not a duration of 1s or more",
        "e.g. 30s, 5m, 1h");
  o.automation_interval = *every;
  orchestrate::Workspace ws(ctx.options);
  return automation::run_daemon(ws, o, ctx.cancel, std::cout);
}

}  // namespace pond::cli
