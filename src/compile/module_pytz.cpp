// modules.pytz: UTC and the IANA time zones of the system's tz database (/usr/share/zoneinfo,
// read by Howard Hinnant's date/tz library), with pytz's API: timezone(name), utc,
// tz.localize(naive) (the standard time when a wall time is ambiguous, as is_dst=False),
// tz.normalize(aware), tz.zone; datetimes keep the offset they were given until normalized.
#include <date/tz.h>

#include <chrono>

#include "compile/modules.hpp"
#include "jinja/error.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

using Micros = std::chrono::duration<std::int64_t, std::micro>;

class TimeZone final : public jinja::NativeObject {
 public:
  TimeZone(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}

  ZoneOffset at_utc(std::int64_t utc_micros) const {
    if (!zone_) return {0, "UTC"};
    date::sys_time<Micros> t{Micros{utc_micros}};
    date::sys_info info = zone_->get_info(t);
    return {info.offset.count(), info.abbrev};
  }
  ZoneOffset at_local(std::int64_t local_micros) const {
    if (!zone_) return {0, "UTC"};
    date::local_time<Micros> t{Micros{local_micros}};
    date::local_info info = zone_->get_info(t);
    // Ambiguous (clocks set back): the later, standard time; skipped (clocks set forward): the
    // offset before the change, as pytz's localize(is_dst=False).
    const date::sys_info& chosen = info.result == date::local_info::ambiguous ? info.second : info.first;
    return {chosen.offset.count(), chosen.abbrev};
  }

  Value get_attr(std::string_view name) const override {
    if (name == "zone") return Value(name_);
    return Value::undefined();
  }
  bool has_method(std::string_view name) const override {
    return name == "localize" || name == "normalize" || name == "utcoffset" || name == "tzname";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    Value dt = args.get(0, "dt");
    DateTimeParts p;
    if (!datetime_parts(dt, p))
      throw jinja::TemplateError(jinja::ErrorKind::kType, std::string(name) + "() expects a datetime");
    if (name == "localize") {
      if (p.aware)
        throw jinja::TemplateError(jinja::ErrorKind::kValue, "Not naive datetime (tzinfo is already set)");
      ZoneOffset off = at_local(p.local_micros);
      result = aware_datetime(p.local_micros, self(), off);
    } else if (name == "normalize") {
      if (!p.aware) throw jinja::TemplateError(jinja::ErrorKind::kValue, "Naive time - no tzinfo set");
      std::int64_t utc = p.local_micros - p.offset_seconds * 1'000'000;
      ZoneOffset off = at_utc(utc);
      result = aware_datetime(utc + off.seconds * 1'000'000, self(), off);
    } else {
      ZoneOffset off =
          p.aware ? at_utc(p.local_micros - p.offset_seconds * 1'000'000) : at_local(p.local_micros);
      result = name == "tzname" ? Value(off.abbrev) : timedelta_of_seconds(off.seconds);
    }
    return true;
  }
  std::string str() const override { return name_; }
  std::string repr() const override { return zone_ ? "<DstTzInfo '" + name_ + "'>" : "<UTC>"; }
  std::string type_name() const override { return zone_ ? "DstTzInfo" : "UTC"; }
  bool compare(const Value& other, int& order) const override {
    const auto* tz = other.is_object() ? dynamic_cast<const TimeZone*>(other.as_object()) : nullptr;
    if (!tz) return false;
    order = name_ == tz->name_ ? 0 : name_ < tz->name_ ? -1 : 1;
    return true;
  }
  void set_self(std::weak_ptr<TimeZone> self) { self_ = std::move(self); }

 private:
  Value self() const { return Value::object(self_.lock()); }
  std::string name_;
  const date::time_zone* zone_;  // null: UTC
  std::weak_ptr<TimeZone> self_;
};

Value make_zone(std::string name, const date::time_zone* zone) {
  auto tz = std::make_shared<TimeZone>(std::move(name), zone);
  tz->set_self(tz);
  return Value::object(tz);
}

}  // namespace

const Value& utc_zone() {
  static const Value utc = make_zone("UTC", nullptr);
  return utc;
}

Value zone_named(const std::string& name) {
  if (name == "UTC" || name == "utc") return utc_zone();
  try {
    return make_zone(name, date::locate_zone(name));
  } catch (const std::exception&) {
    throw jinja::TemplateError(jinja::ErrorKind::kKey, "UnknownTimeZoneError: '" + name + "'");
  }
}

bool zone_offset(const Value& zone, std::int64_t micros, bool at_utc, ZoneOffset& out) {
  const auto* tz = zone.is_object() ? dynamic_cast<const TimeZone*>(zone.as_object()) : nullptr;
  if (!tz) return false;
  out = at_utc ? tz->at_utc(micros) : tz->at_local(micros);
  return true;
}

Value pytz_module() {
  return module_bag(
      {{"utc", utc_zone()}, {"UTC", utc_zone()}, {"timezone", Value::function("timezone", [](CallArgs& a) {
                                                    return zone_named(a.get(0, "zone").str());
                                                  })}});
}

}  // namespace pond::compile
