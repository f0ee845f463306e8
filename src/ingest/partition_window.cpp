#include "ingest/partition_window.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "common/error.hpp"

namespace pond::ingest {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// "YYYY-MM-DD HH:MM:SS" read as if it were UTC.
std::int64_t wall_seconds(const std::string& local) {
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(local.c_str(), "%d-%u-%u %u:%u:%u", &y, &mo, &d, &h, &mi, &s) != 6)
    throw InternalError("a partition window's local time is not 'YYYY-MM-DD HH:MM:SS': " + local);
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

std::string utc_iso(std::int64_t epoch) {
  std::int64_t days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400;
  std::int64_t secs = epoch - days * 86400;
  // civil_from_days
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
}

}  // namespace

std::string format_bound(std::int64_t epoch, const std::string& local, WindowFormat format) {
  switch (format) {
    case WindowFormat::kIso8601:
      return utc_iso(epoch);
    case WindowFormat::kDate:
      return local.substr(0, 10);
    case WindowFormat::kUnix:
      return std::to_string(epoch);
    case WindowFormat::kUnixMs:
      return std::to_string(epoch * 1000);
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> rest_window_params(const RestWindow& w,
                                                                    const PartitionWindow& p) {
  std::vector<std::pair<std::string, std::string>> out;
  if (p.start) {
    if (!w.since_param.empty())
      out.emplace_back(w.since_param, format_bound(*p.start, p.start_local, w.format));
    if (!w.until_param.empty()) out.emplace_back(w.until_param, format_bound(*p.end, p.end_local, w.format));
  }
  if (!w.key_param.empty()) out.emplace_back(w.key_param, p.start ? p.list_key : p.key);
  return out;
}

std::string local_with_offset(std::int64_t epoch, const std::string& local) {
  std::int64_t offset = wall_seconds(local) - epoch;
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0) offset = -offset;
  return fmt::format("{}{}{:02}:{:02}", local, sign, offset / 3600, offset / 60 % 60);
}

std::string postgres_window_where(const std::string& quoted_column, const std::string& key_column,
                                  const PartitionWindow& p) {
  auto literal = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  };
  std::string where;
  if (p.start)
    where = quoted_column + " >= " + literal(local_with_offset(*p.start, p.start_local)) + " AND " +
            quoted_column + " < " + literal(local_with_offset(*p.end, p.end_local));
  else
    where = quoted_column + " = " + literal(p.key);
  if (p.start && !key_column.empty()) where += " AND " + key_column + " = " + literal(p.list_key);
  return where;
}

std::string path_for_partition(const std::string& path, const PartitionWindow& p) {
  std::string out = path;
  auto fill = [&](const std::string& name, const std::string& value) {
    for (auto at = out.find(name); at != std::string::npos; at = out.find(name, at + value.size()))
      out.replace(at, name.size(), value);
  };
  fill("{partition}", p.key);
  if (p.start) fill("{date}", p.start_local.substr(0, 10));
  return out;
}

bool path_has_partition(const std::string& path) {
  return path.find("{partition}") != std::string::npos || path.find("{date}") != std::string::npos;
}

}  // namespace pond::ingest
