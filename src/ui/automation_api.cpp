#include "ui/automation_api.hpp"

#include <algorithm>
#include <chrono>

#include "automation/schedule_evaluator.hpp"
#include "automation/schedule_ticks.hpp"
#include "automation/sensor_evaluator.hpp"
#include "common/text.hpp"
#include "http/server.hpp"

namespace pond::ui {

namespace {

using nlohmann::json;

std::string joined(const std::vector<std::string>& select, const std::vector<std::string>& exclude) {
  std::string s;
  for (const auto& x : select) s += (s.empty() ? "" : " ") + x;
  for (const auto& x : exclude) s += " --exclude " + x;
  return s.empty() ? "*" : s;
}

json ticks_json(runstore::RunStore& store, const std::string& source, int limit) {
  json out = json::array();
  for (const auto& t : store.recent_ticks(source, limit))
    out.push_back({{"tick", automation::utc_minute_text(t.tick_at)},
                   {"status", t.status},
                   {"run_ids", t.run_ids},
                   {"reason", t.reason},
                   {"outcome", automation::outcome_text(t)},
                   {"recorded_at", t.recorded_at}});
  return out;
}

json override_of(runstore::RunStore& store, const std::string& source) {
  auto state = store.automation_state(source);
  return state.enabled ? json(*state.enabled) : json(nullptr);
}

[[noreturn]] void unknown(const std::string& what, const std::string& name,
                          const std::vector<std::string>& known) {
  std::string close = closest_match(name, known);
  throw http::Error(404, "pond.yml has no " + what + " '" + name + "'",
                    close.empty() ? "the schedules page lists them" : "did you mean '" + close + "'?");
}

}  // namespace

json automation_json(orchestrate::Workspace& ws, orchestrate::EpochSeconds now, int ticks) {
  runstore::RunStore& store = ws.store();
  const auto& config = ws.config();
  ticks = std::clamp(ticks, 1, 200);
  json schedules = json::array();
  for (const auto& s : config.schedules) {
    std::string source = automation::schedule_source(s.name);
    bool on = automation::schedule_enabled(store, s);
    std::optional<automation::EpochSeconds> next = automation::next_schedule_tick(store, s, now);
    json j{{"name", s.name},
           {"cron", s.cron},
           {"timezone", s.timezone},
           {"select", joined(s.select, s.exclude)},
           {"partitions", s.partitions},
           {"catchup", s.catchup},
           {"enabled", on},
           {"enabled_in_yml", s.enabled},
           {"override", override_of(store, source)},
           {"next_tick", next ? json(automation::utc_minute_text(*next)) : json(nullptr)},
           {"file", s.where.to_string()},
           {"ticks", ticks_json(store, source, ticks)}};
    if (next) j["next_tick_local"] = automation::ScheduleTicks(s.cron, s.timezone).local_text(*next);
    schedules.push_back(std::move(j));
  }
  json sensors = json::array();
  for (const auto& s : config.sensors) {
    std::string source = automation::sensor_source(s.name);
    sensors.push_back({{"name", s.name},
                       {"type", s.type},
                       {"watches", automation::sensor_watches(s)},
                       {"select", joined(s.select, s.exclude)},
                       {"interval_s", std::chrono::duration_cast<std::chrono::seconds>(s.interval).count()},
                       {"enabled", automation::sensor_enabled(store, s)},
                       {"enabled_in_yml", s.enabled},
                       {"override", override_of(store, source)},
                       {"file", s.where.to_string()},
                       {"ticks", ticks_json(store, source, ticks)}});
  }
  json daemon = nullptr;
  if (auto lease = store.daemon_lease())
    daemon = {{"host", lease->host},
              {"pid", lease->pid ? json(*lease->pid) : json(nullptr)},
              {"started_at", lease->started_at},
              {"heartbeat_at", lease->heartbeat_at}};
  return {
      {"schedules", std::move(schedules)}, {"sensors", std::move(sensors)}, {"daemon", std::move(daemon)}};
}

json set_automation_enabled(orchestrate::Workspace& ws, const std::string& kind, const std::string& name,
                            bool on) {
  const auto& config = ws.config();
  std::vector<std::string> known;
  std::string source;
  if (kind == "schedules") {
    for (const auto& s : config.schedules) {
      known.push_back(s.name);
      if (s.name == name) source = automation::schedule_source(name);
    }
    if (source.empty()) unknown("schedule", name, known);
  } else {
    for (const auto& s : config.sensors) {
      known.push_back(s.name);
      if (s.name == name) source = automation::sensor_source(name);
    }
    if (source.empty()) unknown("sensor", name, known);
  }
  ws.store().set_automation_enabled(source, on);
  return {{"name", name}, {"kind", kind == "schedules" ? "schedule" : "sensor"}, {"enabled", on}};
}

}  // namespace pond::ui
