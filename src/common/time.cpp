#include "common/time.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cctype>

namespace pond {

namespace {

using std::chrono::system_clock;

std::int64_t micros_of(system_clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  return us < 0 ? us + 1000000 : us;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

int number(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

std::string iso_utc(system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", std::chrono::floor<std::chrono::seconds>(t),
                     micros_of(t));
}

std::string iso_utc_millis(system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", std::chrono::floor<std::chrono::seconds>(t),
                     micros_of(t) / 1000);
}

std::string iso_utc_now() {
  return iso_utc(system_clock::now());
}

std::string sql_utc(system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S}.{:06d}+00", std::chrono::floor<std::chrono::seconds>(t),
                     micros_of(t));
}

std::string sql_utc_now() {
  return sql_utc(system_clock::now());
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  std::int64_t total = 0;
  auto unit_seconds = [](char u, bool iso_time) -> std::int64_t {
    switch (std::tolower(static_cast<unsigned char>(u))) {
      case 'w':
        return iso_time ? 0 : 7 * 86400;
      case 'd':
        return iso_time ? 0 : 86400;
      case 'h':
        return 3600;
      case 'm':
        return 60;
      case 's':
        return 1;
      default:
        return 0;
    }
  };
  // Reads "<number><unit>" pairs; in ISO-8601, 'T' switches to the time part (M = minutes).
  bool iso = s.front() == 'P' || s.front() == 'p';
  std::size_t i = iso ? 1 : 0;
  bool in_time = false, any = false;
  while (i < s.size()) {
    if (iso && (s[i] == 'T' || s[i] == 't')) {
      if (in_time) return std::nullopt;
      in_time = true;
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start || i >= s.size() || i - start > 9) return std::nullopt;
    std::int64_t n = 0;
    for (std::size_t k = start; k < i; ++k) n = n * 10 + (s[k] - '0');
    char u = s[i++];
    char lu = static_cast<char>(std::tolower(static_cast<unsigned char>(u)));
    std::int64_t per = 0;
    if (!iso)
      per = unit_seconds(u, false);  // "30m" and "30M" are minutes
    else if (!in_time)
      per = (lu == 'd' || lu == 'w') ? unit_seconds(u, false) : 0;  // years and months have no fixed length
    else
      per = unit_seconds(u, true);
    if (per == 0) return std::nullopt;
    total += n * per;
    any = true;
  }
  if (!any) return std::nullopt;
  return std::chrono::seconds(total);
}

std::optional<system_clock::time_point> parse_utc_time(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (!digits(s, 0, 4) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2))
    return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{year(number(s, 0, 4)), month(static_cast<unsigned>(number(s, 5, 2))),
                     day(static_cast<unsigned>(number(s, 8, 2)))};
  if (!ymd.ok()) return std::nullopt;
  system_clock::time_point t = sys_days(ymd);
  std::size_t i = 10;
  if (i < s.size() && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
    ++i;
    if (!digits(s, i, 2) || i + 2 >= s.size() || s[i + 2] != ':' || !digits(s, i + 3, 2)) return std::nullopt;
    int hh = number(s, i, 2), mm = number(s, i + 3, 2), ss = 0;
    i += 5;
    if (i < s.size() && s[i] == ':') {
      if (!digits(s, i + 1, 2)) return std::nullopt;
      ss = number(s, i + 1, 2);
      i += 3;
      if (i < s.size() && s[i] == '.') {
        std::size_t start = ++i;
        std::int64_t frac = 0;
        int places = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
          if (places < 6) {
            frac = frac * 10 + (s[i] - '0');
            ++places;
          }
          ++i;
        }
        if (i == start) return std::nullopt;
        while (places++ < 6) frac *= 10;
        t += microseconds(frac);
      }
    }
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    t += hours(hh) + minutes(mm) + seconds(ss);
  }
  if (i < s.size()) {
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) return t;
    if ((s[i] == '+' || s[i] == '-') && digits(s, i + 1, 2)) {
      int sign = s[i] == '-' ? -1 : 1;
      int oh = number(s, i + 1, 2), om = 0;
      std::size_t j = i + 3;
      if (j < s.size() && s[j] == ':') ++j;
      if (j < s.size()) {
        if (!digits(s, j, 2) || j + 2 != s.size()) return std::nullopt;
        om = number(s, j, 2);
      }
      if (oh > 23 || om > 59) return std::nullopt;
      return t - sign * (hours(oh) + minutes(om));
    }
    return std::nullopt;
  }
  return t;
}

}  // namespace pond
