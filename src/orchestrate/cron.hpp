#pragma once
// Cron schedules (minute hour day-of-month month day-of-week, Vixie cron's syntax: lists,
// ranges, steps, names, @hourly/@daily/@weekly/@monthly/@yearly), evaluated on wall-clock
// time; the time zone is applied by the caller (time_windows.hpp).
#include <date/date.h>

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pond::orchestrate {

class CronSchedule {
 public:
  // Throws std::invalid_argument with what is wrong ("field 2 (hour): 24 is out of range 0-23").
  static CronSchedule parse(std::string_view text);

  bool matches(date::local_seconds t) const;
  // The first matching minute strictly after `t` (nullopt if none within 10 years).
  std::optional<date::local_seconds> next_after(date::local_seconds t) const;
  // Whether every match falls on the same minute of the day (daily or coarser ticks).
  bool fixed_time_of_day() const { return minutes_.count() == 1 && hours_.count() == 1; }
  // Whether it ticks in every hour (an hourly or finer schedule): across DST it then follows
  // real hours rather than wall-clock ones.
  bool every_hour() const { return hours_.count() == 24; }
  const std::string& text() const { return text_; }

 private:
  bool day_matches(date::year_month_day ymd) const;
  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace pond::orchestrate
