#include "orchestrate/cron.hpp"

#include <array>
#include <stdexcept>
#include <vector>

#include "common/text.hpp"

namespace pond::orchestrate {

namespace {

using namespace std::chrono;

const std::array<const char*, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
const std::array<const char*, 7> kDays{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

int value_of(std::string_view word, int field, int lo, int hi, const char* name) {
  std::string w = to_lower(word);
  if (field == 3)
    for (std::size_t i = 0; i < kMonths.size(); ++i)
      if (w == kMonths[i]) return static_cast<int>(i) + 1;
  if (field == 4)
    for (std::size_t i = 0; i < kDays.size(); ++i)
      if (w == kDays[i]) return static_cast<int>(i);
  if (w.empty() || w.find_first_not_of("0123456789") != std::string::npos || w.size() > 4)
    throw std::invalid_argument("field " + std::to_string(field + 1) + " (" + name + "): '" +
                                std::string(word) + "' is not a number");
  int v = std::stoi(w);
  if (field == 4 && v == 7) v = 0;  // 7 is Sunday too
  if (v < lo || v > hi)
    throw std::invalid_argument("field " + std::to_string(field + 1) + " (" + name +
                                "): " + std::to_string(v) + " is out of range " + std::to_string(lo) + "-" +
                                std::to_string(hi));
  return v;
}

// Sets the bits of one field ("*/15", "1-5", "mon,wed", "0"); returns whether it was "*" alone.
template <std::size_t N>
bool parse_field(std::string_view text, int field, int lo, int hi, const char* name, std::bitset<N>& bits) {
  bool star = text == "*" || text == "?";
  for (const std::string& part : split(text, ',')) {
    std::string_view p = part;
    int step = 1;
    if (auto slash = p.find('/'); slash != std::string_view::npos) {
      std::string_view s = p.substr(slash + 1);
      if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos || s.size() > 3 ||
          std::stoi(std::string(s)) == 0)
        throw std::invalid_argument("field " + std::to_string(field + 1) + " (" + name + "): bad step in '" +
                                    part + "'");
      step = std::stoi(std::string(s));
      p = p.substr(0, slash);
    }
    int a = lo, b = hi;
    if (p == "*" || p == "?") {
    } else if (auto dash = p.find('-'); dash != std::string_view::npos) {
      a = value_of(p.substr(0, dash), field, lo, hi, name);
      b = value_of(p.substr(dash + 1), field, lo, field == 4 ? 7 : hi, name);
      if (field == 4 && b == 0) b = 6;  // "5-7": Friday to Sunday
      if (field == 4 && p.substr(dash + 1) == "7") bits.set(0);
      if (a > b)
        throw std::invalid_argument("field " + std::to_string(field + 1) + " (" + name + "): range '" +
                                    std::string(p) + "' runs backwards");
    } else {
      a = value_of(p, field, lo, hi, name);
      b = part.find('/') != std::string::npos ? hi : a;
    }
    for (int v = a; v <= b; v += step) bits.set(static_cast<std::size_t>(v));
  }
  return star;
}

}  // namespace

CronSchedule CronSchedule::parse(std::string_view text) {
  CronSchedule c;
  c.text_ = std::string(trim(text));
  std::string t = c.text_;
  if (t == "@hourly") t = "0 * * * *";
  if (t == "@daily" || t == "@midnight") t = "0 0 * * *";
  if (t == "@weekly") t = "0 0 * * 0";
  if (t == "@monthly") t = "0 0 1 * *";
  if (t == "@yearly" || t == "@annually") t = "0 0 1 1 *";
  std::vector<std::string> fields;
  for (const std::string& f : split(t, ' '))
    if (!f.empty()) fields.push_back(f);
  if (fields.size() != 5)
    throw std::invalid_argument(
        "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), '" + c.text_ + "' has " +
        std::to_string(fields.size()));
  parse_field(fields[0], 0, 0, 59, "minute", c.minutes_);
  parse_field(fields[1], 1, 0, 23, "hour", c.hours_);
  c.days_restricted_ = !parse_field(fields[2], 2, 1, 31, "day of month", c.days_);
  parse_field(fields[3], 3, 1, 12, "month", c.months_);
  c.weekdays_restricted_ = !parse_field(fields[4], 4, 0, 6, "day of week", c.weekdays_);
  return c;
}

bool CronSchedule::day_matches(date::year_month_day ymd) const {
  bool dom = days_.test(static_cast<unsigned>(ymd.day()));
  bool dow = weekdays_.test(date::weekday(date::sys_days(ymd)).c_encoding());
  // Vixie cron: when both day fields are restricted, either may match.
  if (days_restricted_ && weekdays_restricted_) return dom || dow;
  return dom && dow;
}

bool CronSchedule::matches(date::local_seconds t) const {
  auto day = date::floor<date::days>(t);
  date::year_month_day ymd{date::sys_days(day.time_since_epoch())};
  auto tod = date::hh_mm_ss<seconds>(t - day);
  return tod.seconds().count() == 0 && minutes_.test(static_cast<std::size_t>(tod.minutes().count())) &&
         hours_.test(static_cast<std::size_t>(tod.hours().count())) &&
         months_.test(static_cast<unsigned>(ymd.month())) && day_matches(ymd);
}

std::optional<date::local_seconds> CronSchedule::next_after(date::local_seconds t) const {
  auto limit = t + date::days(3660);
  auto cur = date::floor<minutes>(t) + minutes(1);
  while (cur < limit) {
    auto day = date::floor<date::days>(cur);
    date::year_month_day ymd{date::sys_days(day.time_since_epoch())};
    if (!months_.test(static_cast<unsigned>(ymd.month()))) {
      auto first_next = date::year_month_day(ymd.year() / ymd.month() / 1) + date::months(1);
      cur = date::local_days(date::sys_days(first_next).time_since_epoch());
      continue;
    }
    if (!day_matches(ymd)) {
      cur = day + date::days(1);
      continue;
    }
    auto tod = date::hh_mm_ss<minutes>(cur - day);
    if (!hours_.test(static_cast<std::size_t>(tod.hours().count()))) {
      cur = date::floor<hours>(cur) + hours(1);
      continue;
    }
    if (!minutes_.test(static_cast<std::size_t>(tod.minutes().count()))) {
      cur += minutes(1);
      continue;
    }
    return date::local_seconds(cur);
  }
  return std::nullopt;
}

}  // namespace pond::orchestrate
