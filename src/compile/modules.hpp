#pragma once
// The `modules` global (the parts of Python's datetime, re, itertools and pytz that dbt projects use) and
// datetime values such as `run_started_at`.
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.hpp"

namespace pond::compile {

jinja::Value make_modules();
// A datetime from "YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z]" (UTC); now when the text is shorter.
jinja::Value make_datetime(const std::string& iso);
// A date from "YYYY-MM-DD".
jinja::Value make_date(const std::string& iso);

// Internal to the modules: a namespace object whose attributes are the members (callable
// itself when `call` is set, as Python classes are), and the larger modules.
jinja::Value module_bag(std::vector<std::pair<std::string, jinja::Value>> members,
                        jinja::NativeFunction call = nullptr);
jinja::Value datetime_module();
jinja::Value pytz_module();

// A zone's UTC offset and abbreviation at some time.
struct ZoneOffset {
  std::int64_t seconds = 0;
  std::string abbrev;
};
// What a datetime value holds: its wall time (microseconds since 1970-01-01 as if UTC) and, when
// aware, its zone and offset.
struct DateTimeParts {
  std::int64_t local_micros = 0;
  bool aware = false;
  std::int64_t offset_seconds = 0;
};
bool datetime_parts(const jinja::Value& dt, DateTimeParts& out);
// An aware datetime: the wall time, its pytz zone and the offset it shows.
jinja::Value aware_datetime(std::int64_t local_micros, jinja::Value zone, ZoneOffset offset);
jinja::Value timedelta_of_seconds(std::int64_t seconds);
// pytz's UTC, and the zone named `name` (UnknownTimeZoneError when the tz database has none).
const jinja::Value& utc_zone();
jinja::Value zone_named(const std::string& name);
// The offset of `zone` at a UTC instant (at_utc) or at a wall time; false when it is no zone.
bool zone_offset(const jinja::Value& zone, std::int64_t micros, bool at_utc, ZoneOffset& out);
// A datetime from ISO text, aware in UTC (run_started_at, as dbt's).
jinja::Value make_utc_datetime(const std::string& iso);
jinja::Value re_module();
jinja::Value itertools_module();

}  // namespace pond::compile
