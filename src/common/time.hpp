#pragma once
// Wall-clock time as pond writes it (UTC) and durations as users type them.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pond {

// "2026-11-21T10:00:00.123456Z": ISO-8601 UTC with microseconds, as dbt's artifacts and the
// run store write timestamps.
std::string iso_utc(std::chrono::system_clock::time_point t);
// The same with milliseconds ("2026-11-21T10:00:00.123Z"), as log lines show time.
std::string iso_utc_millis(std::chrono::system_clock::time_point t);
std::string iso_utc_now();

// "2026-11-21 10:00:00.123456+00": the form SQL catalogs store TIMESTAMPTZ values in.
std::string sql_utc(std::chrono::system_clock::time_point t);
std::string sql_utc_now();

// A duration typed by a user: "7d", "12h", "30m", "45s", "2w", combinations ("1d12h"), and
// ISO-8601 durations ("P7D", "PT12H", "P1DT2H30M"; weeks "P2W"). nullopt for anything else
// (a bare number, "7days", "yesterday", an empty string).
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// An absolute UTC time typed by a user: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.f]]", with 'T'
// or a space, an optional trailing "Z" or "+00:00"/"+HH:MM" offset. Dates are checked
// (no 2026-13-45, no Feb 30). nullopt when it is not such a time.
std::optional<std::chrono::system_clock::time_point> parse_utc_time(std::string_view text);

}  // namespace pond
