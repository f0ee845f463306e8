#include "automation/schedule_evaluator.hpp"

#include <date/date.h>

#include <ostream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "orchestrate/materialize.hpp"
#include "orchestrate/run_request.hpp"

namespace pond::automation {

namespace {

std::optional<EpochSeconds> cursor_of(const runstore::AutomationState& s) {
  if (!s.cursor) return std::nullopt;
  try {
    return std::stoll(*s.cursor);
  } catch (const std::exception&) {
    throw std::runtime_error("the run store's cursor of a schedule is not a time: '" + *s.cursor + "'");
  }
}

// The runs a tick queues: what `pond materialize -s ... [--partition P] --submit` would queue.
std::vector<runstore::QueuedRun> runs_of_tick(orchestrate::Workspace& ws,
                                              const orchestrate::ScheduleConfig& s,
                                              const ScheduledTick& tick) {
  orchestrate::MaterializeOptions o;
  o.select = s.select;
  o.exclude = s.exclude;
  if (!tick.partition.empty()) o.partition = tick.partition;
  o.tags = {{"pond/schedule", s.name}, {"pond/tick", utc_minute_text(tick.at)}};
  std::vector<runstore::QueuedRun> runs;
  for (orchestrate::RunRequest& r : orchestrate::plan_materialize(ws, o, tick.at)) {
    r.run_id = random_uuid();
    r.trigger = "schedule";
    runs.push_back({orchestrate::request_record(ws, r), r.tags});
  }
  return runs;
}

}  // namespace

std::string schedule_source(const std::string& name) {
  return "schedule:" + name;
}

std::string utc_minute_text(EpochSeconds t) {
  return date::format("%FT%H:%MZ", date::sys_seconds{std::chrono::seconds(t)});
}

std::string outcome_text(const runstore::TickRecord& t) {
  std::string s = t.status;
  for (const auto& id : t.run_ids) s += " run " + id.substr(0, 8);
  if (!t.reason.empty()) s += (t.status == "submitted" ? " (" + t.reason + ")" : ": " + t.reason);
  return s;
}

bool schedule_enabled(runstore::RunStore& store, const orchestrate::ScheduleConfig& s) {
  return store.automation_state(schedule_source(s.name)).enabled.value_or(s.enabled);
}

int evaluate_schedule(orchestrate::Workspace& ws, const orchestrate::ScheduleConfig& s, EpochSeconds now,
                      std::ostream& out) {
  runstore::RunStore& store = ws.store();
  const std::string source = schedule_source(s.name);
  runstore::AutomationState state = store.automation_state(source);
  if (!state.enabled.value_or(s.enabled)) return 0;
  std::optional<EpochSeconds> cursor = cursor_of(state);
  if (!cursor) {
    store.set_automation_cursor(source, std::to_string(now));
    return 0;
  }
  if (now <= *cursor) return 0;
  std::vector<ScheduledTick> ticks = schedule_ticks(ws.config(), s, *cursor, now);
  const std::size_t run_from = ticks.size() > static_cast<std::size_t>(s.catchup)
                                   ? ticks.size() - static_cast<std::size_t>(s.catchup)
                                   : 0;
  int recorded = 0;
  for (std::size_t k = 0; k < ticks.size(); ++k) {
    const ScheduledTick& tick = ticks[k];
    runstore::TickRecord rec;
    rec.source = source;
    rec.tick_at = tick.at;
    std::vector<runstore::QueuedRun> runs;
    if (k < run_from) {
      rec.status = "skipped";
      rec.reason = "missed while no daemon ran (catchup: " + std::to_string(s.catchup) + ")";
    } else {
      try {
        runs = runs_of_tick(ws, s, tick);
        rec.status = "submitted";
        if (!tick.partition.empty()) rec.reason = "partition " + tick.partition;
      } catch (const UserError& e) {
        // A schedule that cannot run (its selection picks nothing, ...) fails this tick; the
        // daemon and the other schedules go on.
        rec.status = "failed";
        rec.reason = e.message();
        runs.clear();
      }
    }
    if (!store.record_tick(rec, runs, std::to_string(tick.at))) {
      log::warn("schedule {}: the tick at {} was recorded already (another daemon?); not run again", s.name,
                utc_minute_text(tick.at));
      store.set_automation_cursor(source, std::to_string(tick.at));
      continue;
    }
    ++recorded;
    out << "Schedule " << s.name << " tick " << utc_minute_text(tick.at) << ": " << rec.status;
    for (const auto& q : runs) out << " run " << q.run.run_id;
    if (!rec.reason.empty()) out << " (" << rec.reason << ")";
    out << std::endl;
  }
  return recorded;
}

std::optional<EpochSeconds> next_schedule_tick(runstore::RunStore& store,
                                               const orchestrate::ScheduleConfig& s, EpochSeconds now) {
  runstore::AutomationState state = store.automation_state(schedule_source(s.name));
  if (!state.enabled.value_or(s.enabled)) return std::nullopt;
  EpochSeconds from = std::max(now, cursor_of(state).value_or(now));
  return ScheduleTicks(s.cron, s.timezone).next_after(from);
}

}  // namespace pond::automation
