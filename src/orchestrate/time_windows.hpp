#pragma once
// Time-window partitions: a schedule of ticks in a time zone, each partition the window from one
// tick to the next. Hourly, daily, weekly and monthly schedules are computed (partition i's
// window, the partition holding an instant) in constant time, so counting and mapping 100,000
// partitions costs nothing; any other cron schedule enumerates its ticks once and caches them.
// Days follow the zone's wall clock: on a DST change a daily window is 23 or 25 hours long.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrate/cron.hpp"

namespace date {
class time_zone;
}

namespace pond::orchestrate {

// Seconds since the Unix epoch (UTC).
using EpochSeconds = std::int64_t;

struct TimeWindow {
  EpochSeconds start = 0;
  EpochSeconds end = 0;  // exclusive
};

// An IANA time zone by name; throws std::invalid_argument "unknown time zone 'X' (did you mean
// 'Y'?)".
const date::time_zone* locate_time_zone(const std::string& name);

class TimeWindows {
 public:
  enum class Grain { kHourly, kDaily, kWeekly, kMonthly, kCron };

  struct Spec {
    Grain grain = Grain::kDaily;
    std::string start;  // local wall time in `timezone`: "2024-01-01", "2024-01-01 06:00", "2024-01-01-06:00"
    std::string end;    // optional, exclusive
    std::string timezone = "UTC";
    std::string cron;  // Grain::kCron
    int end_offset = 0;
    int minute_offset = 0;
    int hour_offset = 0;
    int day_offset = 0;  // weekly: weekday (0 = Sunday); monthly: day of month
  };

  // Throws std::invalid_argument naming what is wrong (unknown time zone, bad cron, bad start).
  explicit TimeWindows(const Spec& spec);
  ~TimeWindows();
  TimeWindows(const TimeWindows&) = delete;
  TimeWindows& operator=(const TimeWindows&) = delete;

  Grain grain() const { return spec_.grain; }
  const Spec& spec() const { return spec_; }

  // The start of partition `i` (0 = the first window; may be negative or past the last).
  EpochSeconds tick(std::int64_t i) const;
  TimeWindow window(std::int64_t i) const { return {tick(i), tick(i + 1)}; }
  // The partition whose window holds `t`.
  std::int64_t index_at(EpochSeconds t) const;
  // Partitions that exist at `now`: windows that have ended (plus end_offset more), up to
  // `end:`. Partitions 0 .. count-1.
  std::int64_t count(EpochSeconds now) const;
  // Partitions before `end:`, when it is set.
  std::optional<std::int64_t> end_index() const { return end_index_; }

  std::string key(std::int64_t i) const;
  // The index of a key, or nullopt when the text is not the key of a window of this schedule.
  std::optional<std::int64_t> parse_key(std::string_view key) const;
  // A key or a local time ("2024-01-01", "2024-01-01 06:00") naming the window that starts
  // there, for --from/--to; nullopt when it names no window start.
  std::optional<std::int64_t> parse_boundary(std::string_view text) const;

  // Local wall time of an instant as "YYYY-MM-DD HH:MM:SS" (vars, environment).
  std::string local_text(EpochSeconds t) const;
  // UTC "YYYY-MM-DDTHH:MM:SSZ" (microbatch windows, environment).
  static std::string utc_text(EpochSeconds t);

 private:
  std::optional<EpochSeconds> parse_local(std::string_view text) const;
  EpochSeconds to_sys(std::int64_t local_seconds) const;
  std::int64_t to_local(EpochSeconds t) const;
  void extend_cache(std::int64_t upto_index, EpochSeconds upto_time) const;

  Spec spec_;
  const date::time_zone* zone_ = nullptr;
  bool utc_ = true;
  std::optional<CronSchedule> cron_;
  std::int64_t origin_ = 0;  // hourly: first tick; daily/weekly: local day number; monthly: month number
  std::optional<std::int64_t> end_index_;  // partitions before `end:`
  // Cron ticks from the first one on, extended on demand.
  mutable std::mutex cache_mutex_;
  mutable std::vector<EpochSeconds> ticks_;
};

}  // namespace pond::orchestrate
