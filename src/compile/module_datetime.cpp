// modules.datetime: naive-UTC datetime, date and timedelta objects with the Python methods dbt
// projects call (now, strptime, strftime, isoformat, replace, fromisoformat, ...) and Python's
// arithmetic and ordering between them (datetime - timedelta, date - date, d1 < d2, ...).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include "compile/modules.hpp"
#include "jinja/error.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

[[noreturn]] void value_error(const std::string& message) {
  throw jinja::TemplateError(jinja::ErrorKind::kValue, message);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = floor_div(y, 400);
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::tm tm_of(std::int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(floor_div(micros, kMicrosPerSecond));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

int micros_part(std::int64_t micros) {
  return static_cast<int>(micros - floor_div(micros, kMicrosPerSecond) * kMicrosPerSecond);
}

bool valid_date(std::int64_t y, std::int64_t m, std::int64_t d) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::int64_t micros_of(std::int64_t y, std::int64_t mo, std::int64_t d, std::int64_t h, std::int64_t mi,
                       std::int64_t s, std::int64_t us) {
  if (!valid_date(y, mo, d)) value_error("day is out of range for month");
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || us < 0 || us > 999999)
    value_error("time is out of range");
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kMicrosPerDay +
         ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + us;
}

// Python's strftime: C's, plus %f (microseconds).
std::string format_time(const std::string& fmt, std::int64_t micros) {
  std::string f;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '%' && i + 1 < fmt.size() && fmt[i + 1] == 'f') {
      char us[8];
      std::snprintf(us, sizeof us, "%06d", micros_part(micros));
      f += us;
      ++i;
    } else if (fmt[i] == '%' && i + 1 < fmt.size()) {
      f += fmt.substr(i, 2);
      ++i;
    } else {
      f += fmt[i];
    }
  }
  if (f.empty()) return {};
  std::tm tm = tm_of(micros);
  std::string out(f.size() * 4 + 64, '\0');
  std::size_t n = std::strftime(out.data(), out.size(), f.c_str(), &tm);
  out.resize(n);
  return out;
}

// Python's strptime for the directives dbt projects use (glibc's strptime plus %f); the whole
// text must match, as in Python.
std::int64_t parse_time(const std::string& text, const std::string& fmt) {
  std::tm tm{};
  tm.tm_mday = 1;
  tm.tm_year = 70;
  int micros = 0;
  const char* p = text.c_str();
  std::size_t start = 0;
  while (start <= fmt.size()) {
    std::size_t f = fmt.find("%f", start);
    std::string piece = fmt.substr(start, f == std::string::npos ? std::string::npos : f - start);
    if (!piece.empty()) {
      p = strptime(p, piece.c_str(), &tm);
      if (!p) value_error("time data '" + text + "' does not match format '" + fmt + "'");
    }
    if (f == std::string::npos) break;
    int digits = 0;
    micros = 0;
    while (digits < 6 && *p >= '0' && *p <= '9') micros = micros * 10 + (*p++ - '0'), ++digits;
    if (digits == 0) value_error("time data '" + text + "' does not match format '" + fmt + "'");
    for (int i = digits; i < 6; ++i) micros *= 10;
    start = f + 2;
  }
  if (*p != '\0') value_error("unconverted data remains: " + std::string(p));
  return micros_of(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

std::int64_t now_micros() {
  auto now = std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
}

std::int64_t int_arg(CallArgs& a, std::size_t i, std::string_view name, std::int64_t fallback) {
  Value v = a.get(i, name);
  if (v.is_undefined() || v.is_none()) return fallback;
  if (!v.is_int())
    throw jinja::TemplateError(jinja::ErrorKind::kType, std::string(name) + " must be an integer");
  return v.as_int();
}

class DateTime;
class Date;
Value datetime_value(std::int64_t micros);
Value date_value(std::int64_t days);
Value timedelta_value(std::int64_t micros);

// The other operand as one of this module's types, or nullptr.
template <typename T>
const T* as(const Value& v) {
  return v.is_object() ? dynamic_cast<const T*>(v.as_object()) : nullptr;
}

int order_of(std::int64_t a, std::int64_t b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Python's limits: years 1..9999, and timedelta within +-999999999 days.
std::int64_t checked_datetime(std::int64_t micros) {
  static const std::int64_t lo = days_from_civil(1, 1, 1) * kMicrosPerDay;
  static const std::int64_t hi = (days_from_civil(9999, 12, 31) + 1) * kMicrosPerDay - 1;
  if (micros < lo || micros > hi)
    throw jinja::TemplateError(jinja::ErrorKind::kOverflow, "date value out of range");
  return micros;
}

std::int64_t add_micros(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    throw jinja::TemplateError(jinja::ErrorKind::kOverflow, "date value out of range");
  return r;
}

class TimeDelta final : public jinja::NativeObject {
 public:
  explicit TimeDelta(std::int64_t micros) : micros_(micros) {}
  Value get_attr(std::string_view name) const override {
    std::int64_t days = floor_div(micros_, kMicrosPerDay);
    std::int64_t rest = micros_ - days * kMicrosPerDay;
    if (name == "days") return Value(days);
    if (name == "seconds") return Value(rest / kMicrosPerSecond);
    if (name == "microseconds") return Value(rest % kMicrosPerSecond);
    return Value::undefined();
  }
  bool has_method(std::string_view name) const override { return name == "total_seconds"; }
  bool call_method(std::string_view, CallArgs&, Value& result) override {
    result = Value(static_cast<double>(micros_) / kMicrosPerSecond);
    return true;
  }
  std::string str() const override {
    std::int64_t days = floor_div(micros_, kMicrosPerDay);
    std::int64_t rest = micros_ - days * kMicrosPerDay;
    std::int64_t secs = rest / kMicrosPerSecond;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
    std::string out = buf;
    if (rest % kMicrosPerSecond) {
      std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(rest % kMicrosPerSecond));
      out += buf;
    }
    if (days) out = std::to_string(days) + (days == 1 || days == -1 ? " day, " : " days, ") + out;
    return out;
  }
  std::string repr() const override {
    return "datetime.timedelta(microseconds=" + std::to_string(micros_) + ")";
  }
  std::string type_name() const override { return "timedelta"; }
  std::int64_t micros() const { return micros_; }

  // td +- td, td * number, number * td, td / number, td / td (a float), as Python.
  bool arithmetic(char op, const Value& other, bool self_on_left, Value& result) const override {
    if (const auto* td = as<TimeDelta>(other)) {
      std::int64_t l = self_on_left ? micros_ : td->micros_, r = self_on_left ? td->micros_ : micros_;
      if (op == '+')
        result = timedelta_value(add_micros(l, r));
      else if (op == '-')
        result = timedelta_value(add_micros(l, -r));
      else if (op == '/') {
        if (r == 0) throw jinja::TemplateError(jinja::ErrorKind::kZeroDivision, "division by zero");
        result = Value(static_cast<double>(l) / static_cast<double>(r));
      } else
        return false;
      return true;
    }
    if (!other.is_number() || other.is_bool()) return false;
    if (op == '*') {
      result = timedelta_value(Value::float_to_int(static_cast<double>(micros_) * other.as_float()));
      return true;
    }
    if (op == '/' && self_on_left) {
      if (other.as_float() == 0)
        throw jinja::TemplateError(jinja::ErrorKind::kZeroDivision, "division by zero");
      result = timedelta_value(Value::float_to_int(static_cast<double>(micros_) / other.as_float()));
      return true;
    }
    return false;
  }
  bool compare(const Value& other, int& order) const override {
    const auto* td = as<TimeDelta>(other);
    if (td) order = order_of(micros_, td->micros_);
    return td != nullptr;
  }

 private:
  std::int64_t micros_;
};

// A datetime: its wall time (micros_) and, when aware, the pytz zone and the offset it shows
// (pytz keeps the offset through arithmetic until normalize()).
class DateTime final : public jinja::NativeObject {
 public:
  explicit DateTime(std::int64_t micros) : micros_(micros), tm_(tm_of(micros)) {}
  DateTime(std::int64_t micros, Value zone, ZoneOffset offset)
      : micros_(micros), tm_(tm_of(micros)), zone_(std::move(zone)), offset_(std::move(offset)) {}

  bool aware() const { return zone_.is_object(); }
  std::int64_t local_micros() const { return micros_; }
  std::int64_t offset_seconds() const { return offset_.seconds; }
  std::int64_t utc_micros() const { return micros_ - offset_.seconds * kMicrosPerSecond; }
  // The same kind of datetime (naive, or in this zone with this offset) at another wall time.
  Value with_micros(std::int64_t micros) const {
    return aware() ? aware_datetime(micros, zone_, offset_) : datetime_value(micros);
  }

  Value get_attr(std::string_view name) const override {
    if (name == "year") return Value(static_cast<std::int64_t>(tm_.tm_year + 1900));
    if (name == "month") return Value(static_cast<std::int64_t>(tm_.tm_mon + 1));
    if (name == "day") return Value(static_cast<std::int64_t>(tm_.tm_mday));
    if (name == "hour") return Value(static_cast<std::int64_t>(tm_.tm_hour));
    if (name == "minute") return Value(static_cast<std::int64_t>(tm_.tm_min));
    if (name == "second") return Value(static_cast<std::int64_t>(tm_.tm_sec));
    if (name == "microsecond") return Value(static_cast<std::int64_t>(micros_part(micros_)));
    if (name == "tzinfo") return aware() ? zone_ : Value::none();
    return Value::undefined();
  }
  bool has_method(std::string_view name) const override {
    return name == "strftime" || name == "isoformat" || name == "timestamp" || name == "date" ||
           name == "replace" || name == "weekday" || name == "isoweekday" || name == "astimezone" ||
           name == "time" || name == "timetuple" || name == "utcoffset" || name == "tzname";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    if (name == "strftime") {
      result = Value(format_time(zone_directives(args.get(0, "format").str()), micros_));
    } else if (name == "isoformat") {
      result = Value(iso(args.get(0, "sep", Value("T")).str()));
    } else if (name == "utcoffset") {
      result = aware() ? timedelta_of_seconds(offset_.seconds) : Value::none();
    } else if (name == "tzname") {
      result = aware() ? Value(offset_.abbrev) : Value::none();
    } else if (name == "timestamp") {
      result = Value(static_cast<double>(utc_micros()) / kMicrosPerSecond);
    } else if (name == "date") {
      result = date_value(floor_div(micros_, kMicrosPerDay));
    } else if (name == "time") {
      result = Value(format_time("%H:%M:%S", micros_));
    } else if (name == "weekday" || name == "isoweekday") {
      int wd = (tm_.tm_wday + 6) % 7;  // Monday = 0
      result = Value(static_cast<std::int64_t>(name == "weekday" ? wd : wd + 1));
    } else if (name == "astimezone") {
      // A naive datetime is taken as UTC (pond's system time zone; dbt's run_started_at is UTC).
      Value tz = args.get(0, "tz");
      ZoneOffset off;
      if (tz.is_undefined() || tz.is_none()) {
        result = aware_datetime(utc_micros(), utc_zone(), {0, "UTC"});
      } else if (zone_offset(tz, utc_micros(), true, off)) {
        result = aware_datetime(checked_datetime(utc_micros() + off.seconds * kMicrosPerSecond), tz, off);
      } else {
        throw jinja::TemplateError(jinja::ErrorKind::kType, "astimezone() argument 1 must be a tzinfo");
      }
    } else if (name == "replace") {
      std::int64_t micros =
          micros_of(int_arg(args, 0, "year", tm_.tm_year + 1900), int_arg(args, 1, "month", tm_.tm_mon + 1),
                    int_arg(args, 2, "day", tm_.tm_mday), int_arg(args, 3, "hour", tm_.tm_hour),
                    int_arg(args, 4, "minute", tm_.tm_min), int_arg(args, 5, "second", tm_.tm_sec),
                    int_arg(args, 6, "microsecond", micros_part(micros_)));
      const Value* tz = args.kwarg("tzinfo");
      result = tz ? with_zone(micros, *tz) : with_micros(micros);
    } else {
      return false;
    }
    return true;
  }
  std::string str() const override { return iso(" "); }
  // A wall time in `tz` (none: naive), with the zone's offset there.
  static Value with_zone(std::int64_t micros, const Value& tz) {
    ZoneOffset off;
    if (tz.is_none() || tz.is_undefined()) return datetime_value(micros);
    if (!zone_offset(tz, micros, false, off))
      throw jinja::TemplateError(jinja::ErrorKind::kType, "tzinfo argument must be None or a tzinfo");
    return aware_datetime(micros, tz, off);
  }
  std::string repr() const override { return "datetime.datetime(" + iso("T") + ")"; }
  std::string type_name() const override { return "datetime"; }

  // datetime +- timedelta, timedelta + datetime, datetime - datetime (a timedelta).
  bool arithmetic(char op, const Value& other, bool self_on_left, Value& result) const override {
    if (const auto* td = as<TimeDelta>(other)) {
      if (op == '+')
        result = with_micros(checked_datetime(add_micros(micros_, td->micros())));
      else if (op == '-' && self_on_left)
        result = with_micros(checked_datetime(add_micros(micros_, -td->micros())));
      else
        return false;
      return true;
    }
    if (const auto* dt = as<DateTime>(other); dt && op == '-') {
      if (aware() != dt->aware())
        throw jinja::TemplateError(jinja::ErrorKind::kType,
                                   "can't subtract offset-naive and offset-aware datetimes");
      result =
          timedelta_value(self_on_left ? utc_micros() - dt->utc_micros() : dt->utc_micros() - utc_micros());
      return true;
    }
    return false;
  }
  // Aware datetimes compare as instants; a naive one and an aware one do not compare (Python:
  // `==` is false, `<` a TypeError).
  bool compare(const Value& other, int& order) const override {
    const auto* dt = as<DateTime>(other);
    if (!dt || dt->aware() != aware()) return false;
    order = order_of(utc_micros(), dt->utc_micros());
    return true;
  }

 private:
  std::string iso(const std::string& sep) const {
    return format_time("%Y-%m-%d" + sep + "%H:%M:%S" + (micros_part(micros_) ? ".%f" : ""), micros_) +
           (aware() ? offset_text(true) : std::string());
  }
  // +HH:MM (isoformat, str) or +HHMM (%z).
  std::string offset_text(bool colon) const {
    std::int64_t s = offset_.seconds;
    char sign = s < 0 ? '-' : '+';
    s = s < 0 ? -s : s;
    char buf[16];
    std::snprintf(buf, sizeof buf, colon ? "%c%02d:%02d" : "%c%02d%02d", sign, static_cast<int>(s / 3600),
                  static_cast<int>(s / 60 % 60));
    return buf;
  }
  // %z and %Z as Python prints them (empty for a naive datetime).
  std::string zone_directives(const std::string& fmt) const {
    std::string out;
    for (std::size_t i = 0; i < fmt.size(); ++i) {
      if (fmt[i] == '%' && i + 1 < fmt.size() && (fmt[i + 1] == 'z' || fmt[i + 1] == 'Z')) {
        std::string text = !aware() ? "" : fmt[i + 1] == 'z' ? offset_text(false) : offset_.abbrev;
        for (char c : text) out += c == '%' ? std::string("%%") : std::string(1, c);
        ++i;
      } else if (fmt[i] == '%' && i + 1 < fmt.size()) {
        out += fmt.substr(i, 2);
        ++i;
      } else {
        out += fmt[i];
      }
    }
    return out;
  }
  std::int64_t micros_;
  std::tm tm_;
  Value zone_;  // a pytz zone; undefined for a naive datetime
  ZoneOffset offset_;
};

class Date final : public jinja::NativeObject {
 public:
  explicit Date(std::int64_t days) : days_(days), tm_(tm_of(days * kMicrosPerDay)) {}
  Value get_attr(std::string_view name) const override {
    if (name == "year") return Value(static_cast<std::int64_t>(tm_.tm_year + 1900));
    if (name == "month") return Value(static_cast<std::int64_t>(tm_.tm_mon + 1));
    if (name == "day") return Value(static_cast<std::int64_t>(tm_.tm_mday));
    return Value::undefined();
  }
  bool has_method(std::string_view name) const override {
    return name == "strftime" || name == "isoformat" || name == "replace" || name == "weekday" ||
           name == "isoweekday";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    if (name == "strftime") {
      result = Value(format_time(args.get(0, "format").str(), days_ * kMicrosPerDay));
    } else if (name == "isoformat") {
      result = Value(str());
    } else if (name == "weekday" || name == "isoweekday") {
      int wd = (tm_.tm_wday + 6) % 7;
      result = Value(static_cast<std::int64_t>(name == "weekday" ? wd : wd + 1));
    } else {
      std::int64_t y = int_arg(args, 0, "year", tm_.tm_year + 1900),
                   m = int_arg(args, 1, "month", tm_.tm_mon + 1), d = int_arg(args, 2, "day", tm_.tm_mday);
      result = date_value(micros_of(y, m, d, 0, 0, 0, 0) / kMicrosPerDay);
    }
    return true;
  }
  std::string str() const override { return format_time("%Y-%m-%d", days_ * kMicrosPerDay); }
  std::string repr() const override { return "datetime.date(" + str() + ")"; }
  std::string type_name() const override { return "date"; }

  // date +- timedelta (whole days of it, as Python), date - date (a timedelta of days).
  bool arithmetic(char op, const Value& other, bool self_on_left, Value& result) const override {
    if (const auto* td = as<TimeDelta>(other)) {
      std::int64_t days = floor_div(td->micros(), kMicrosPerDay);
      if (op == '+')
        days = days_ + days;
      else if (op == '-' && self_on_left)
        days = days_ - days;
      else
        return false;
      result = date_value(checked_datetime(days * kMicrosPerDay) / kMicrosPerDay);
      return true;
    }
    if (const auto* d = as<Date>(other); d && op == '-') {
      result = timedelta_value((self_on_left ? days_ - d->days_ : d->days_ - days_) * kMicrosPerDay);
      return true;
    }
    return false;
  }
  bool compare(const Value& other, int& order) const override {
    const auto* d = as<Date>(other);
    if (d) order = order_of(days_, d->days_);
    return d != nullptr;
  }

 private:
  std::int64_t days_;
  std::tm tm_;
};

Value datetime_value(std::int64_t micros) {
  return Value::object(std::make_shared<DateTime>(micros));
}
Value date_value(std::int64_t days) {
  return Value::object(std::make_shared<Date>(days));
}
Value timedelta_value(std::int64_t micros) {
  return Value::object(std::make_shared<TimeDelta>(micros));
}

// "YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|+00:00]" as datetime.fromisoformat reads it.
std::int64_t parse_iso(const std::string& s) {
  auto num = [&](std::size_t pos, std::size_t len) -> std::int64_t {
    if (pos + len > s.size()) value_error("Invalid isoformat string: '" + s + "'");
    std::int64_t v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') value_error("Invalid isoformat string: '" + s + "'");
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') value_error("Invalid isoformat string: '" + s + "'");
  std::int64_t y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = 0, mi = 0, sec = 0, us = 0;
  std::size_t p = 10;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    h = num(p + 1, 2);
    if (p + 3 >= s.size() || s[p + 3] != ':') value_error("Invalid isoformat string: '" + s + "'");
    mi = num(p + 4, 2);
    p += 6;
    if (p < s.size() && s[p] == ':') {
      sec = num(p + 1, 2);
      p += 3;
      if (p < s.size() && s[p] == '.') {
        std::size_t digits = 0;
        ++p;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9' && digits < 6)
          us = us * 10 + (s[p++] - '0'), ++digits;
        for (; digits < 6; ++digits) us *= 10;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
      }
    }
  }
  std::string rest = s.substr(p);
  if (!rest.empty() && rest != "Z" && rest != "+00:00" && rest != "+0000")
    value_error("Invalid isoformat string: '" + s + "' (pond's datetimes are UTC)");
  return micros_of(y, mo, d, h, mi, sec, us);
}

}  // namespace

Value make_datetime(const std::string& iso) {
  if (iso.size() < 19) return datetime_value(now_micros());
  return datetime_value(parse_iso(iso));
}

Value make_utc_datetime(const std::string& iso) {
  std::int64_t micros = iso.size() < 19 ? now_micros() : parse_iso(iso);
  return aware_datetime(micros, utc_zone(), {0, "UTC"});
}

Value aware_datetime(std::int64_t local_micros, Value zone, ZoneOffset offset) {
  return Value::object(std::make_shared<DateTime>(local_micros, std::move(zone), std::move(offset)));
}

Value timedelta_of_seconds(std::int64_t seconds) {
  return timedelta_value(seconds * kMicrosPerSecond);
}

bool datetime_parts(const Value& dt, DateTimeParts& out) {
  const auto* d = as<DateTime>(dt);
  if (!d) return false;
  out = {d->local_micros(), d->aware(), d->offset_seconds()};
  return true;
}

Value make_date(const std::string& iso) {
  return date_value(floor_div(parse_iso(iso.substr(0, 10)), kMicrosPerDay));
}

Value datetime_module() {
  // now(tz): the wall time in that zone, aware; now(): naive (UTC, pond's system time zone).
  auto now = Value::function("now", [](CallArgs& a) {
    Value tz = a.get(0, "tz");
    if (tz.is_undefined() || tz.is_none()) return datetime_value(now_micros());
    ZoneOffset off;
    if (!zone_offset(tz, now_micros(), true, off))
      throw jinja::TemplateError(jinja::ErrorKind::kType, "tzinfo argument must be None or a tzinfo");
    return aware_datetime(now_micros() + off.seconds * kMicrosPerSecond, tz, off);
  });
  auto utcnow = Value::function("utcnow", [](CallArgs&) { return datetime_value(now_micros()); });
  auto today_date = [](CallArgs&) { return date_value(floor_div(now_micros(), kMicrosPerDay)); };
  auto from_timestamp = Value::function("fromtimestamp", [](CallArgs& a) {
    Value t = a.get(0, "timestamp");
    if (!t.is_number()) throw jinja::TemplateError(jinja::ErrorKind::kType, "fromtimestamp() needs a number");
    return datetime_value(static_cast<std::int64_t>(t.as_float() * kMicrosPerSecond));
  });
  Value datetime_cls = module_bag(
      {{"now", now},
       {"utcnow", utcnow},
       {"today", utcnow},
       {"strptime", Value::function("strptime",
                                    [](CallArgs& a) {
                                      return datetime_value(parse_time(a.get(0, "date_string").str(),
                                                                       a.get(1, "format").str()));
                                    })},
       {"fromisoformat",
        Value::function("fromisoformat",
                        [](CallArgs& a) { return datetime_value(parse_iso(a.get(0, "s").str())); })},
       {"fromtimestamp", from_timestamp},
       {"utcfromtimestamp", from_timestamp}},
      [](CallArgs& a) {
        std::int64_t micros =
            micros_of(int_arg(a, 0, "year", -1), int_arg(a, 1, "month", -1), int_arg(a, 2, "day", -1),
                      int_arg(a, 3, "hour", 0), int_arg(a, 4, "minute", 0), int_arg(a, 5, "second", 0),
                      int_arg(a, 6, "microsecond", 0));
        return DateTime::with_zone(micros, a.get(7, "tzinfo"));
      });
  Value date_cls =
      module_bag({{"today", Value::function("today", today_date)},
                  {"fromisoformat", Value::function("fromisoformat",
                                                    [](CallArgs& a) {
                                                      std::string s = a.get(0, "s").str();
                                                      if (s.size() != 10)
                                                        value_error("Invalid isoformat string: '" + s + "'");
                                                      return make_date(s);
                                                    })}},
                 [](CallArgs& a) {
                   std::int64_t y = int_arg(a, 0, "year", -1), m = int_arg(a, 1, "month", -1),
                                d = int_arg(a, 2, "day", -1);
                   return date_value(micros_of(y, m, d, 0, 0, 0, 0) / kMicrosPerDay);
                 });
  Value timedelta_cls = module_bag({}, [](CallArgs& a) {
    auto num = [&](std::size_t i, std::string_view name) {
      Value v = a.get(i, name);
      if (v.is_undefined() || v.is_none()) return 0.0;
      if (!v.is_number()) throw jinja::TemplateError(jinja::ErrorKind::kType, "timedelta() needs numbers");
      return v.as_float();
    };
    double micros = num(0, "days") * kMicrosPerDay + num(1, "seconds") * kMicrosPerSecond +
                    num(2, "microseconds") + num(3, "milliseconds") * 1000 +
                    num(4, "minutes") * 60 * kMicrosPerSecond + num(5, "hours") * 3600 * kMicrosPerSecond +
                    num(6, "weeks") * 7 * kMicrosPerDay;
    return timedelta_value(static_cast<std::int64_t>(micros));
  });
  return module_bag({{"datetime", datetime_cls},
                     {"date", date_cls},
                     {"timedelta", timedelta_cls},
                     {"timezone", module_bag({{"utc", utc_zone()}})},
                     {"MINYEAR", Value(std::int64_t{1})},
                     {"MAXYEAR", Value(std::int64_t{9999})}});
}

}  // namespace pond::compile
