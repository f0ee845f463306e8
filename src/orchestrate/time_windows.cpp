#include "orchestrate/time_windows.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "common/text.hpp"
#include "common/time.hpp"

namespace pond::orchestrate {

namespace {

using namespace std::chrono;
using Grain = TimeWindows::Grain;

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// "YYYY-MM-DD[( |T|-)HH:MM[:SS]]" as local wall-clock seconds; nullopt for anything else.
std::optional<std::int64_t> parse_wall(std::string_view text) {
  std::string s(trim(text));
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char sep = 0;
  int n = 0;
  if (s.size() == 10) {
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return std::nullopt;
  } else if (s.size() == 16 || s.size() == 19) {
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &n) != 6 || n != 16)
      return std::nullopt;
    if (sep != ' ' && sep != 'T' && sep != '-') return std::nullopt;
    if (s.size() == 19 && (s[16] != ':' || std::sscanf(s.c_str() + 17, "%2d", &sec) != 1))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                           date::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  return date::sys_days(ymd).time_since_epoch().count() * kDay + h * kHour + mi * 60 + sec;
}

}  // namespace

const date::time_zone* locate_time_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    std::vector<std::string> names;
    for (const auto& z : date::get_tzdb().zones) names.emplace_back(z.name());
    std::string guess = closest_match(name, names);
    throw std::invalid_argument("unknown time zone '" + name + "'" +
                                (guess.empty() ? std::string(" (IANA names such as Europe/Amsterdam)")
                                               : " (did you mean '" + guess + "'?)"));
  }
}

TimeWindows::TimeWindows(const Spec& spec) : spec_(spec) {
  if (spec_.timezone.empty()) spec_.timezone = "UTC";
  utc_ = spec_.timezone == "UTC" || spec_.timezone == "Etc/UTC";
  zone_ = locate_time_zone(spec_.timezone);
  switch (spec_.grain) {
    case Grain::kHourly:
      spec_.cron = fmt::format("{} * * * *", spec_.minute_offset);
      break;
    case Grain::kDaily:
      spec_.cron = fmt::format("{} {} * * *", spec_.minute_offset, spec_.hour_offset);
      break;
    case Grain::kWeekly:
      spec_.cron = fmt::format("{} {} * * {}", spec_.minute_offset, spec_.hour_offset, spec_.day_offset);
      break;
    case Grain::kMonthly:
      spec_.cron = fmt::format("{} {} {} * *", spec_.minute_offset, spec_.hour_offset, spec_.day_offset);
      break;
    case Grain::kCron:
      break;
  }
  cron_ = CronSchedule::parse(spec_.cron);
  auto start = parse_wall(spec_.start);
  if (!start)
    throw std::invalid_argument(
        "'start:' must be a date (2024-01-01) or a local time (2024-01-01 06:00), not '" + spec_.start + "'");
  // The first tick at or after the start.
  date::local_seconds s{seconds(*start)};
  date::local_seconds first = cron_->matches(s) ? s : cron_->next_after(s).value_or(s);
  if (!cron_->matches(first))
    throw std::invalid_argument("the cron schedule '" + spec_.cron + "' never fires");
  std::int64_t local_first = first.time_since_epoch().count();
  switch (spec_.grain) {
    case Grain::kHourly:
      origin_ = to_sys(local_first);
      break;
    case Grain::kDaily:
    case Grain::kWeekly:
      origin_ = floor_div(local_first, kDay);
      break;
    case Grain::kMonthly: {
      date::year_month_day ymd{date::sys_days(date::days(floor_div(local_first, kDay)))};
      origin_ = static_cast<int>(ymd.year()) * 12 + static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
      break;
    }
    case Grain::kCron:
      ticks_.push_back(to_sys(local_first));
      break;
  }
  if (!spec_.end.empty()) {
    auto end = parse_wall(spec_.end);
    if (!end) throw std::invalid_argument("'end:' must be a date or a local time, not '" + spec_.end + "'");
    EpochSeconds end_sys = to_sys(*end);
    if (end_sys <= tick(0))
      throw std::invalid_argument("'end:' (" + spec_.end + ") is not after 'start:' (" + spec_.start + ")");
    // Partitions whose window ends at or before `end` (the window holding `end` is cut off).
    end_index_ = index_at(end_sys);
  }
}

TimeWindows::~TimeWindows() = default;

EpochSeconds TimeWindows::to_sys(std::int64_t local) const {
  if (utc_) return local;
  auto lt = date::local_seconds(seconds(local));
  // A wall time skipped by a DST change maps to the change; a repeated one to its first instant.
  return zone_->to_sys(lt, date::choose::earliest).time_since_epoch().count();
}

std::int64_t TimeWindows::to_local(EpochSeconds t) const {
  if (utc_) return t;
  return zone_->to_local(date::sys_seconds(seconds(t))).time_since_epoch().count();
}

void TimeWindows::extend_cache(std::int64_t upto_index, EpochSeconds upto_time) const {
  // Caller holds cache_mutex_. Ticks of every wall-clock match; a repeated wall time (DST
  // ending) fires at both of its instants.
  while (static_cast<std::int64_t>(ticks_.size()) <= upto_index || ticks_.back() <= upto_time) {
    if (ticks_.size() > 50'000'000) throw std::runtime_error("too many cron ticks");
    EpochSeconds last = ticks_.back();
    std::int64_t wall = to_local(last);
    std::optional<EpochSeconds> next;
    if (!utc_) {
      // The same wall time again one offset change later (the second instant of a repeated hour).
      auto info = zone_->get_info(date::local_seconds(seconds(wall)));
      if (info.result == date::local_info::ambiguous) {
        EpochSeconds second =
            (date::local_seconds(seconds(wall)) - info.second.offset).time_since_epoch().count();
        if (second > last) next = second;
      }
    }
    if (!next) {
      auto n = cron_->next_after(date::local_seconds(seconds(wall)));
      if (!n) break;
      EpochSeconds s = to_sys(n->time_since_epoch().count());
      while (s <= last) {  // a wall time inside a skipped hour maps onto an earlier instant
        n = cron_->next_after(*n);
        if (!n) return;
        s = to_sys(n->time_since_epoch().count());
      }
      next = s;
    }
    ticks_.push_back(*next);
  }
}

EpochSeconds TimeWindows::tick(std::int64_t i) const {
  auto at_local = [&](std::int64_t day, std::int64_t seconds_in_day) {
    return to_sys(day * kDay + seconds_in_day);
  };
  std::int64_t tod = spec_.hour_offset * kHour + spec_.minute_offset * 60;
  switch (spec_.grain) {
    case Grain::kHourly:
      return origin_ + i * kHour;
    case Grain::kDaily:
      return at_local(origin_ + i, tod);
    case Grain::kWeekly:
      return at_local(origin_ + 7 * i, tod);
    case Grain::kMonthly: {
      std::int64_t m = origin_ + i;
      date::year_month_day ymd{date::year(static_cast<int>(floor_div(m, 12))),
                               date::month(static_cast<unsigned>(m - floor_div(m, 12) * 12 + 1)),
                               date::day(static_cast<unsigned>(spec_.day_offset))};
      return at_local(date::sys_days(ymd).time_since_epoch().count(), tod);
    }
    case Grain::kCron: {
      std::lock_guard lock(cache_mutex_);
      if (i < 0) {
        // Before the first tick: walk back a period of the same length (only used for mappings
        // reaching before the start).
        EpochSeconds period = ticks_.size() > 1 ? ticks_[1] - ticks_[0] : kDay;
        return ticks_[0] + i * period;
      }
      extend_cache(i, ticks_.back());
      if (i < static_cast<std::int64_t>(ticks_.size())) return ticks_[static_cast<std::size_t>(i)];
      return ticks_.back() + (i - static_cast<std::int64_t>(ticks_.size()) + 1) * kDay * 3660;
    }
  }
  return 0;
}

std::int64_t TimeWindows::index_at(EpochSeconds t) const {
  std::int64_t guess = 0;
  switch (spec_.grain) {
    case Grain::kHourly:
      return floor_div(t - origin_, kHour);
    case Grain::kDaily:
      guess = floor_div(to_local(t) - spec_.hour_offset * kHour - spec_.minute_offset * 60, kDay) - origin_;
      break;
    case Grain::kWeekly:
      guess = floor_div(
          floor_div(to_local(t) - spec_.hour_offset * kHour - spec_.minute_offset * 60, kDay) - origin_, 7);
      break;
    case Grain::kMonthly: {
      date::year_month_day ymd{date::sys_days(date::days(floor_div(to_local(t), kDay)))};
      guess = static_cast<int>(ymd.year()) * 12 + static_cast<int>(static_cast<unsigned>(ymd.month())) - 1 -
              origin_;
      break;
    }
    case Grain::kCron: {
      std::lock_guard lock(cache_mutex_);
      if (t < ticks_[0]) {
        EpochSeconds period = ticks_.size() > 1 ? ticks_[1] - ticks_[0] : kDay;
        return floor_div(t - ticks_[0], period);
      }
      extend_cache(0, t);
      auto it = std::upper_bound(ticks_.begin(), ticks_.end(), t);
      return static_cast<std::int64_t>(it - ticks_.begin()) - 1;
    }
  }
  // Wall-clock arithmetic lands on the right window or a neighbour (offsets, DST).
  while (tick(guess) > t) --guess;
  while (tick(guess + 1) <= t) ++guess;
  return guess;
}

std::int64_t TimeWindows::count(EpochSeconds now) const {
  std::int64_t n = index_at(now) + spec_.end_offset;
  if (end_index_) n = std::min(n, *end_index_);
  return std::max<std::int64_t>(n, 0);
}

std::string TimeWindows::local_text(EpochSeconds t) const {
  std::int64_t l = to_local(t);
  auto day = date::sys_days(date::days(floor_div(l, kDay)));
  date::year_month_day ymd{day};
  std::int64_t s = l - floor_div(l, kDay) * kDay;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), s / kHour,
                     s % kHour / 60, s % 60);
}

std::string TimeWindows::utc_text(EpochSeconds t) {
  auto day = date::sys_days(date::days(floor_div(t, kDay)));
  date::year_month_day ymd{day};
  std::int64_t s = t - floor_div(t, kDay) * kDay;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), s / kHour,
                     s % kHour / 60, s % 60);
}

std::string TimeWindows::key(std::int64_t i) const {
  EpochSeconds t = tick(i);
  std::string local = local_text(t);
  bool dated = spec_.grain == Grain::kDaily || spec_.grain == Grain::kWeekly ||
               spec_.grain == Grain::kMonthly || (spec_.grain == Grain::kCron && cron_->fixed_time_of_day());
  if (dated) return local.substr(0, 10);
  std::string k = local.substr(0, 10) + "-" + local.substr(11, 5);
  if (!utc_) {
    // A wall time can repeat when DST ends: the key carries the UTC offset.
    std::int64_t offset = to_local(t) - t;
    k += fmt::format("{}{:02}{:02}", offset < 0 ? '-' : '+', std::abs(offset) / kHour,
                     std::abs(offset) % kHour / 60);
  }
  return k;
}

std::optional<std::int64_t> TimeWindows::parse_key(std::string_view text) const {
  std::string_view body = text;
  std::optional<std::int64_t> offset;
  if (body.size() == 21 && (body[16] == '+' || body[16] == '-')) {
    int hh = 0, mm = 0;
    if (std::sscanf(std::string(body.substr(17)).c_str(), "%2d%2d", &hh, &mm) != 2) return std::nullopt;
    offset = (hh * kHour + mm * 60) * (body[16] == '-' ? -1 : 1);
    body = body.substr(0, 16);
  }
  auto wall = parse_wall(body);
  if (!wall) return std::nullopt;
  EpochSeconds t = offset ? *wall - *offset : to_sys(*wall);
  std::int64_t i = index_at(t);
  if (tick(i) != t) return std::nullopt;
  std::string canonical = key(i);
  if (canonical != text && canonical.substr(0, body.size()) != body) return std::nullopt;
  return i;
}

std::optional<std::int64_t> TimeWindows::parse_boundary(std::string_view text) const {
  if (auto k = parse_key(text)) return k;
  auto wall = parse_wall(text);
  if (!wall) return std::nullopt;
  EpochSeconds t = to_sys(*wall);
  std::int64_t i = index_at(t);
  if (tick(i) != t) return std::nullopt;
  return i;
}

}  // namespace pond::orchestrate
