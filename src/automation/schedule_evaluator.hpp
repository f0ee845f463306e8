#pragma once
// One evaluation of a schedule by the daemon: the ticks since its cursor, each recorded once in
// the run store together with the runs it queues (exactly once, whatever crashes when), after
// downtime only the latest `catchup:` of them run and the others are recorded as skipped.
#include <iosfwd>
#include <optional>
#include <string>

#include "automation/schedule_ticks.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::automation {

// "schedule:NAME": the schedule's key in the run store's automation tables.
std::string schedule_source(const std::string& name);

// Whether the schedule is on: `pond schedules on|off` (the run store) over pond.yml's `enabled:`.
bool schedule_enabled(runstore::RunStore& store, const orchestrate::ScheduleConfig& schedule);

// Evaluates `schedule` at `now`: a schedule seen for the first time (or just turned on) starts
// ticking after `now`; otherwise every tick in (cursor, now] is recorded. Returns the number of
// ticks this call recorded. Reports each to `out`.
int evaluate_schedule(orchestrate::Workspace& ws, const orchestrate::ScheduleConfig& schedule,
                      EpochSeconds now, std::ostream& out);

// The first tick of `schedule` after max(now, its cursor); nullopt when it is off or never ticks.
std::optional<EpochSeconds> next_schedule_tick(runstore::RunStore& store,
                                               const orchestrate::ScheduleConfig& schedule, EpochSeconds now);

// "2026-03-28T06:00Z".
std::string utc_minute_text(EpochSeconds t);

// What a recorded tick did, for listings: "submitted run 1a2b3c4d (partition ...)",
// "skipped: why", "failed: why".
std::string outcome_text(const runstore::TickRecord& tick);

}  // namespace pond::automation
