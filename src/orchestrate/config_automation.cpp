// pond.yml's declarative automation: `automation:` on a command asset, or root `automation:`
// blocks that name their assets with `select:` (dbt models, several assets at once).
#include "common/error.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/config_reader_internal.hpp"
#include "orchestrate/cron.hpp"
#include "orchestrate/time_windows.hpp"

namespace pond::orchestrate {

AutomationConfig read_automation(const Reader& r, const YamlNode& n, bool block) {
  const std::string what = block ? "an 'automation:' block" : "'automation:'";
  std::vector<std::string> known{"on_cron",    "timezone", "eager",
                                 "on_missing", "unless",   "latest_time_window_only"};
  if (block) {
    known.insert(known.begin(), "exclude");
    known.insert(known.begin(), "select");
  }
  r.keys(n, what, known);
  AutomationConfig a;
  a.where = r.where(n);
  if (block) {
    if (!n["select"])
      r.fail(n, what + " needs 'select:' (the assets it covers)", "e.g. select: [\"tag:hourly\"]");
    a.select = r.strings(n["select"], "'select:'");
    if (const auto& v = n["exclude"]) a.exclude = r.strings(v, "'exclude:'");
  }
  if (const auto& v = n["on_cron"]) {
    a.on_cron = r.name(v, "'on_cron:'");
    try {
      CronSchedule::parse(a.on_cron);
    } catch (const std::invalid_argument& e) {
      r.fail(v, "bad cron '" + a.on_cron + "' in 'on_cron:': " + e.what(),
             "5 fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly");
    }
  }
  if (const auto& v = n["timezone"]) {
    if (a.on_cron.empty()) r.fail(v, "'timezone:' belongs to 'on_cron:'", "add on_cron: \"0 6 * * *\"");
    a.timezone = r.name(v, "'timezone:'");
    try {
      locate_time_zone(a.timezone);
    } catch (const std::invalid_argument& e) {
      r.fail(v, e.what());
    }
  }
  if (const auto& v = n["eager"]) a.eager = r.boolean(v, "'eager:'");
  if (const auto& v = n["on_missing"]) a.on_missing = r.boolean(v, "'on_missing:'");
  if (a.on_cron.empty() && !a.eager && !a.on_missing)
    r.fail(n, what + " needs a condition", "on_cron: \"0 6 * * *\", eager: true or on_missing: true");
  if (const auto& v = n["unless"]) {
    static const std::vector<std::string> kModifiers{"in_progress", "upstream_checks_failed"};
    const std::vector<std::string> items = r.strings(v, "'unless:'");
    for (std::size_t i = 0; i < items.size(); ++i) {
      const YamlNode& at = v.is_sequence() ? v.children[i] : v;
      if (items[i] == "in_progress") {
        a.unless_in_progress = true;
      } else if (items[i] == "upstream_checks_failed") {
        a.unless_upstream_checks_failed = true;
      } else {
        std::string guess = closest_match(items[i], kModifiers);
        r.fail(at, "unknown modifier '" + items[i] + "' in 'unless:'",
               guess.empty() ? "one of " + join(kModifiers) : "did you mean '" + guess + "'?");
      }
    }
  }
  if (const auto& v = n["latest_time_window_only"])
    a.latest_time_window_only = r.boolean(v, "'latest_time_window_only:'");
  return a;
}

}  // namespace pond::orchestrate
