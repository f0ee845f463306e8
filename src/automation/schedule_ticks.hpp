#pragma once
// The ticks of a schedule (pond.yml `schedules:`): instants at which a cron matches the wall
// clock of its time zone, DST-correct as users expect of a scheduler:
// - a wall time that does not exist (spring forward) ticks at the end of the gap for daily or
//   coarser schedules, and not at all for hourly ones (the real hour already ticked);
// - a wall time that occurs twice (fall back) ticks once, at its first occurrence, for daily or
//   coarser schedules; hourly ones tick in every real hour, so both.
// No tick is lost and none is doubled.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orchestrate/config.hpp"
#include "orchestrate/cron.hpp"

namespace date {
class time_zone;
}

namespace pond::automation {

using EpochSeconds = std::int64_t;  // seconds since the Unix epoch (UTC)

class ScheduleTicks {
 public:
  // Throws std::invalid_argument for a bad cron or an unknown time zone.
  ScheduleTicks(const std::string& cron, const std::string& timezone);

  // The first tick strictly after `t` (nullopt if none within 10 years).
  std::optional<EpochSeconds> next_after(EpochSeconds t) const;
  // Every tick in (from, until], at most `limit` of them.
  std::vector<EpochSeconds> between(EpochSeconds from, EpochSeconds until, std::size_t limit = 100000) const;
  // "YYYY-MM-DD HH:MM TZ" (e.g. "2026-03-29 03:00 CEST") of an instant in the schedule's zone.
  std::string local_text(EpochSeconds t) const;

 private:
  orchestrate::CronSchedule cron_;
  const date::time_zone* zone_;
};

// A tick of a configured schedule: when, and which partition it runs (a partitioned schedule
// runs the partition whose window closed last at the tick; empty otherwise).
struct ScheduledTick {
  EpochSeconds at = 0;
  std::string partition;
};

// The ticks of `schedule` in (from, until], with their partitions from `config`'s definitions.
std::vector<ScheduledTick> schedule_ticks(const orchestrate::PondConfig& config,
                                          const orchestrate::ScheduleConfig& schedule, EpochSeconds from,
                                          EpochSeconds until, std::size_t limit = 100000);

}  // namespace pond::automation
