// pond.yml's automation sections: `automation:` and `freshness:` on a command asset, or root
// blocks of them that name their assets with `select:` (dbt models, several assets at once), and
// the `notify:` webhooks.
#include <cctype>

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

FreshnessConfig read_freshness(const Reader& r, const YamlNode& n, bool block) {
  const std::string what = block ? "a 'freshness:' block" : "'freshness:'";
  std::vector<std::string> known{"max_lag", "deadline", "timezone"};
  if (block) {
    known.insert(known.begin(), "exclude");
    known.insert(known.begin(), "select");
  }
  r.keys(n, what, known);
  FreshnessConfig f;
  f.where = r.where(n);
  if (block) {
    if (!n["select"])
      r.fail(n, what + " needs 'select:' (the assets it covers)", "e.g. select: [\"tag:daily\"]");
    f.select = r.strings(n["select"], "'select:'");
    if (const auto& v = n["exclude"]) f.exclude = r.strings(v, "'exclude:'");
  }
  if (!n["max_lag"]) r.fail(n, what + " needs 'max_lag:'", "e.g. max_lag: 6h");
  f.max_lag = r.duration(n["max_lag"], "'max_lag:'");
  if (f.max_lag.count() <= 0) r.fail(n["max_lag"], "'max_lag:' must be longer than 0s");
  if (const auto& v = n["deadline"]) {
    f.deadline = r.name(v, "'deadline:'");
    try {
      CronSchedule::parse(f.deadline);
    } catch (const std::invalid_argument& e) {
      r.fail(v, "bad cron '" + f.deadline + "' in 'deadline:': " + e.what(),
             "5 fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly");
    }
  }
  if (const auto& v = n["timezone"]) {
    if (f.deadline.empty()) r.fail(v, "'timezone:' belongs to 'deadline:'", "add deadline: \"0 9 * * *\"");
    f.timezone = r.name(v, "'timezone:'");
    try {
      locate_time_zone(f.timezone);
    } catch (const std::invalid_argument& e) {
      r.fail(v, e.what());
    }
  }
  return f;
}

NotifyConfig read_notify(const Reader& r, const std::string& name, const YamlNode& n) {
  const std::string what = "notification '" + name + "'";
  r.keys(n, what, {"url_env", "on", "retries", "backoff"});
  NotifyConfig c;
  c.name = name;
  c.where = r.where(n);
  if (!n["url_env"])
    r.fail(n, what + " needs 'url_env:' (the environment variable holding the webhook URL)",
           "e.g. url_env: SLACK_WEBHOOK_URL; the URL is a secret: it is not written in pond.yml");
  c.url_env = r.name(n["url_env"], "'url_env:'");
  for (char ch : c.url_env)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'))
      r.fail(n["url_env"], "'url_env:' must name an environment variable, not '" + c.url_env + "'",
             "e.g. url_env: SLACK_WEBHOOK_URL");
  if (const auto& v = n["on"]) {
    c.on_run_failure = c.on_late = c.on_check_failure = false;
    const std::vector<std::string> events = r.strings(v, "'on:'");
    static const std::vector<std::string> kEvents{"run_failure", "check_failure", "late"};
    for (std::size_t i = 0; i < events.size(); ++i) {
      const YamlNode& at = v.is_sequence() ? v.children[i] : v;
      if (events[i] == "run_failure") {
        c.on_run_failure = true;
      } else if (events[i] == "check_failure") {
        c.on_check_failure = true;
      } else if (events[i] == "late") {
        c.on_late = true;
      } else {
        std::string guess = closest_match(events[i], kEvents);
        r.fail(at, "unknown event '" + events[i] + "' in 'on:'",
               guess.empty() ? "one of " + join(kEvents) : "did you mean '" + guess + "'?");
      }
    }
    if (events.empty()) r.fail(v, "'on:' must name at least one event", "run_failure, check_failure, late");
  }
  if (const auto& v = n["retries"]) c.retries = r.integer(v, "'retries:'", 0, 10);
  if (const auto& v = n["backoff"]) c.backoff = r.duration_ms(v, "'backoff:'");
  return c;
}

}  // namespace pond::orchestrate
