#include "materialize/microbatch_window.hpp"

#include <chrono>
#include <cstdio>

#include "common/error.hpp"

namespace pond::materialize {

namespace {

using namespace std::chrono;

struct Parts {
  int year = 0;
  unsigned month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

[[noreturn]] void bad(std::string_view text, std::string_view what, std::string_view why = {}) {
  throw UserError(std::string(what) + ": invalid timestamp '" + std::string(text) + "'" +
                      (why.empty() ? std::string() : " (" + std::string(why) + ")"),
                  "use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC)");
}

Parts parse(std::string_view text, std::string_view what) {
  std::string_view s = text;
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.remove_suffix(1);
  for (std::string_view utc : {"+00:00", "+0000", "+00"}) {
    if (s.size() > utc.size() && s.substr(s.size() - utc.size()) == utc) {
      s.remove_suffix(utc.size());
      break;
    }
  }
  Parts p;
  int v = 0;
  if (!digits(s, 0, 4, p.year) || s.size() < 10 || s[4] != '-' || s[7] != '-') bad(text, what);
  if (!digits(s, 5, 2, v)) bad(text, what);
  p.month = static_cast<unsigned>(v);
  if (!digits(s, 8, 2, v)) bad(text, what);
  p.day = static_cast<unsigned>(v);
  std::size_t at = 10;
  if (at < s.size()) {
    if (s[at] != ' ' && s[at] != 'T') bad(text, what);
    if (!digits(s, at + 1, 2, v)) bad(text, what);
    p.hour = static_cast<unsigned>(v);
    at += 3;
    if (at < s.size()) {
      if (s[at] != ':' || !digits(s, at + 1, 2, v)) bad(text, what);
      p.minute = static_cast<unsigned>(v);
      at += 3;
    }
    if (at < s.size()) {
      if (s[at] != ':' || !digits(s, at + 1, 2, v)) bad(text, what);
      p.second = static_cast<unsigned>(v);
      at += 3;
    }
    if (at < s.size()) {
      // Fractions of a second are dropped: batches are at least an hour wide.
      if (s[at] != '.') bad(text, what, "only UTC offsets are accepted");
      for (std::size_t i = at + 1; i < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9') bad(text, what, "only UTC offsets are accepted");
    }
  }
  if (!year_month_day{year{p.year}, month{p.month}, day{p.day}}.ok() || p.hour > 23 || p.minute > 59 ||
      p.second > 59)
    bad(text, what);
  return p;
}

sys_seconds to_time(const Parts& p) {
  return sys_days{year{p.year} / month{p.month} / day{p.day}} + hours{p.hour} + minutes{p.minute} +
         seconds{p.second};
}

Parts from_time(sys_seconds t) {
  sys_days d = floor<days>(t);
  year_month_day ymd{d};
  hh_mm_ss hms{t - d};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(hms.hours().count()),
          static_cast<unsigned>(hms.minutes().count()),
          static_cast<unsigned>(hms.seconds().count())};
}

std::string format(const Parts& p) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02u:%02u:%02u", p.year, p.month, p.day, p.hour, p.minute,
                p.second);
  return buf;
}

Parts truncate(Parts p, BatchSize size) {
  p.second = p.minute = 0;
  if (size == BatchSize::kHour) return p;
  p.hour = 0;
  if (size == BatchSize::kDay) return p;
  p.day = 1;
  if (size == BatchSize::kMonth) return p;
  p.month = 1;
  return p;
}

Parts offset(Parts p, BatchSize size, int n) {
  p = truncate(p, size);
  switch (size) {
    case BatchSize::kHour:
      return from_time(to_time(p) + hours{n});
    case BatchSize::kDay:
      return from_time(to_time(p) + days{n});
    case BatchSize::kMonth: {
      year_month ym = year{p.year} / month{p.month} + months{n};
      p.year = static_cast<int>(ym.year());
      p.month = static_cast<unsigned>(ym.month());
      return p;
    }
    case BatchSize::kYear:
      p.year += n;
      return p;
  }
  return p;
}

}  // namespace

std::string normalize_timestamp(std::string_view text, std::string_view what) {
  return format(parse(text, what));
}

std::string utc_now() {
  return format(from_time(floor<seconds>(system_clock::now())));
}

std::string truncate_timestamp(std::string_view ts, BatchSize size) {
  return format(truncate(parse(ts, "timestamp"), size));
}

std::string ceiling_timestamp(std::string_view ts, BatchSize size) {
  Parts p = parse(ts, "timestamp");
  Parts t = truncate(p, size);
  return format(to_time(t) == to_time(p) ? t : offset(t, size, 1));
}

std::string offset_timestamp(std::string_view ts, BatchSize size, int n) {
  return format(offset(parse(ts, "timestamp"), size, n));
}

std::vector<BatchWindow> plan_batches(const BatchPlanInput& in, std::string_view model) {
  const std::string who = "microbatch model '" + std::string(model) + "'";
  Parts end = parse(in.event_time_end ? *in.event_time_end : in.now,
                    in.event_time_end ? "--event-time-end" : "current time");
  {
    Parts t = truncate(end, in.size);
    end = to_time(t) == to_time(end) ? t : offset(t, in.size, 1);
  }
  Parts start;
  if (in.event_time_start) {
    start = truncate(parse(*in.event_time_start, "--event-time-start"), in.size);
  } else if (!in.incremental) {
    if (!in.begin)
      throw UserError(who + " has no 'begin' config, needed for its first build",
                      "set begin (e.g. begin='2024-01-01') or pass --event-time-start/--event-time-end");
    start = truncate(parse(*in.begin, who + " begin"), in.size);
  } else {
    // `end` is a batch boundary, so the batch it closes counts too (dbt adds one to lookback).
    start = offset(end, in.size, -(std::max(in.lookback, 0) + 1));
  }
  if (to_time(start) >= to_time(end))
    throw UserError(
        who + ": the first batch starts at " + format(start) + ", not before the end " + format(end),
        "--event-time-start must be before --event-time-end (and begin before now)");
  std::vector<BatchWindow> out;
  for (Parts s = start; to_time(s) < to_time(end);) {
    Parts e = offset(s, in.size, 1);
    out.push_back({format(s), format(e)});
    s = e;
  }
  return out;
}

std::string batch_id(const BatchWindow& w, BatchSize size) {
  Parts p = parse(w.start, "batch start");
  char buf[32];
  switch (size) {
    case BatchSize::kHour:
      std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02u", p.year, p.month, p.day, p.hour);
      break;
    case BatchSize::kDay:
      std::snprintf(buf, sizeof buf, "%04d%02u%02u", p.year, p.month, p.day);
      break;
    case BatchSize::kMonth:
      std::snprintf(buf, sizeof buf, "%04d%02u", p.year, p.month);
      break;
    case BatchSize::kYear:
      std::snprintf(buf, sizeof buf, "%04d", p.year);
      break;
  }
  return buf;
}

}  // namespace pond::materialize
