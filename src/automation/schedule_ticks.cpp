#include "automation/schedule_ticks.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "orchestrate/partitions.hpp"
#include "orchestrate/time_windows.hpp"

namespace pond::automation {

namespace {

using date::local_seconds;
using std::chrono::seconds;

EpochSeconds epoch(date::sys_seconds t) {
  return t.time_since_epoch().count();
}

}  // namespace

ScheduleTicks::ScheduleTicks(const std::string& cron, const std::string& timezone)
    : cron_(orchestrate::CronSchedule::parse(cron)), zone_(orchestrate::locate_time_zone(timezone)) {}

std::optional<EpochSeconds> ScheduleTicks::next_after(EpochSeconds t) const {
  const date::sys_seconds now{seconds(t)};
  // Wall-clock candidates from an hour before `t`'s wall time: in a repeated hour the wall clock
  // runs back, so the next tick's wall time may be earlier than `t`'s. A candidate's instants
  // grow with its wall time except there, so after the first tick found, candidates up to two
  // hours further are still compared.
  local_seconds cursor = zone_->to_local(now) - std::chrono::hours(1) - seconds(1);
  std::optional<EpochSeconds> best;
  std::optional<local_seconds> stop;
  for (int guard = 0; guard < 100000; ++guard) {
    std::optional<local_seconds> wall = cron_.next_after(cursor);
    if (!wall || (stop && *wall > *stop)) break;
    cursor = *wall;
    date::local_info info = zone_->get_info(*wall);
    std::vector<EpochSeconds> instants;
    switch (info.result) {
      case date::local_info::unique:
        instants.push_back(epoch(date::sys_seconds{wall->time_since_epoch() - info.first.offset}));
        break;
      case date::local_info::ambiguous:
        instants.push_back(epoch(date::sys_seconds{wall->time_since_epoch() - info.first.offset}));
        if (cron_.every_hour())
          instants.push_back(epoch(date::sys_seconds{wall->time_since_epoch() - info.second.offset}));
        break;
      case date::local_info::nonexistent:
        // The gap's end: the first instant of the new offset.
        if (!cron_.every_hour()) instants.push_back(epoch(info.second.begin));
        break;
    }
    for (EpochSeconds i : instants) {
      if (i <= t) continue;
      if (!best || i < *best) best = i;
      if (!stop) stop = *wall + std::chrono::hours(2);
    }
  }
  return best;
}

std::vector<EpochSeconds> ScheduleTicks::between(EpochSeconds from, EpochSeconds until,
                                                 std::size_t limit) const {
  std::vector<EpochSeconds> out;
  EpochSeconds t = from;
  while (out.size() < limit) {
    std::optional<EpochSeconds> next = next_after(t);
    if (!next || *next > until) break;
    out.push_back(*next);
    t = *next;
  }
  return out;
}

std::string ScheduleTicks::local_text(EpochSeconds t) const {
  auto z = date::make_zoned(zone_, date::sys_seconds{seconds(t)});
  return date::format("%F %H:%M %Z", z);
}

std::vector<ScheduledTick> schedule_ticks(const orchestrate::PondConfig& config,
                                          const orchestrate::ScheduleConfig& schedule, EpochSeconds from,
                                          EpochSeconds until, std::size_t limit) {
  ScheduleTicks ticks(schedule.cron, schedule.timezone);
  std::optional<orchestrate::PartitionsDefinition> partitions;
  if (!schedule.partitions.empty()) {
    const orchestrate::PartitionsConfig* p = config.find_partitions(schedule.partitions);
    if (!p) throw std::invalid_argument("unknown partitions '" + schedule.partitions + "'");
    partitions.emplace(*p, config, std::map<std::string, std::vector<std::string>>{});
    if (!partitions->time())
      throw std::invalid_argument("schedule '" + schedule.name + "': partitions '" + schedule.partitions +
                                  "' have no time dimension; a schedule picks the window its tick closes");
  }
  std::vector<ScheduledTick> out;
  for (EpochSeconds at : ticks.between(from, until, limit)) {
    ScheduledTick tick{at, ""};
    if (partitions) {
      std::int64_t n = partitions->time()->count(at);
      if (n <= 0) continue;  // no window has closed yet: nothing to run
      tick.partition = partitions->time()->key(n - 1);
    }
    out.push_back(std::move(tick));
  }
  return out;
}

}  // namespace pond::automation
