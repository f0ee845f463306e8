// pond.yml `schedules:` and `sensors:` entries (docs/automation.md), read strictly.
#include "common/error.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/config_reader_internal.hpp"
#include "orchestrate/cron.hpp"
#include "orchestrate/time_windows.hpp"

namespace pond::orchestrate {

ScheduleConfig read_schedule(const Reader& r, const std::string& name, const YamlNode& n) {
  r.keys(n, "schedule '" + name + "'",
         {"cron", "timezone", "select", "exclude", "partitions", "catchup", "enabled"});
  ScheduleConfig s;
  s.name = name;
  s.where = r.where(n);
  if (!n["cron"])
    r.fail(n, "schedule '" + name + "' needs 'cron:'", "e.g. cron: \"0 6 * * *\" or cron: \"@daily\"");
  s.cron = r.name(n["cron"], "'cron:'");
  try {
    CronSchedule::parse(s.cron);
  } catch (const std::invalid_argument& e) {
    r.fail(n["cron"], "schedule '" + name + "': bad cron '" + s.cron + "': " + e.what(),
           "5 fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly");
  }
  if (const auto& v = n["timezone"]) {
    s.timezone = r.name(v, "'timezone:'");
    try {
      locate_time_zone(s.timezone);
    } catch (const std::invalid_argument& e) {
      r.fail(v, "schedule '" + name + "': " + e.what());
    }
  }
  if (const auto& v = n["select"]) s.select = r.strings(v, "'select:'");
  if (const auto& v = n["exclude"]) s.exclude = r.strings(v, "'exclude:'");
  if (const auto& v = n["partitions"]) s.partitions = r.name(v, "'partitions:'");
  if (const auto& v = n["catchup"]) {
    // false: only the latest missed tick; true: every missed tick; N: at most the N latest.
    if (v.is_scalar() && !v.quoted && (v.scalar == "false" || v.scalar == "true"))
      s.catchup = v.scalar == "true" ? 1000000 : 1;
    else
      s.catchup = r.integer(v, "'catchup:' (false, true or a number of ticks)", 1, 1000000);
  }
  if (const auto& v = n["enabled"]) s.enabled = r.boolean(v, "'enabled:'");
  return s;
}

namespace {

// A command sensor's `run:`, `env:` and `cwd:`, as a command asset's.
void read_sensor_command(const Reader& r, const std::string& name, const YamlNode& n, SensorConfig& s) {
  const YamlNode& run = n["run"];
  if (!run)
    r.fail(n, "sensor '" + name + "' (type: command) needs 'run:'",
           "e.g. run: python3 sensors/new_orders.py (it prints run requests as JSON lines)");
  read_command_run(r, run, s.argv, s.shell);
  if (const auto& v = n["env"]) s.env = read_command_env(r, v);
  if (const auto& v = n["cwd"]) s.cwd = r.name(v, "'cwd:'");
}

}  // namespace

SensorConfig read_sensor(const Reader& r, const std::string& name, const YamlNode& n) {
  r.keys(n, "sensor '" + name + "'",
         {"type", "path", "glob", "asset", "status", "watch", "run", "env", "cwd", "timeout", "select",
          "exclude", "interval", "enabled"});
  SensorConfig s;
  s.name = name;
  s.where = r.where(n);
  if (!n["type"])
    r.fail(n, "sensor '" + name + "' needs 'type:'", "type: files, asset, run_status or command");
  s.type = r.name(n["type"], "'type:'");
  if (s.type != "files" && s.type != "asset" && s.type != "run_status" && s.type != "command")
    r.fail(n["type"], "sensor '" + name + "': unknown type '" + s.type + "'",
           "type: files, asset, run_status or command");
  for (const char* k : {"run", "env", "cwd"})
    if (n[k] && s.type != "command") r.fail(n[k], "sensor '" + name + "': " + k + ": is for type: command");
  if (n["timeout"] && s.type != "command" && s.type != "files")
    r.fail(n["timeout"], "sensor '" + name + "': timeout: is for type: files and command",
           "asset and run_status sensors only read the run store");
  if (s.type == "command") read_sensor_command(r, name, n, s);
  if (s.type == "run_status") {
    if (!n["status"])
      r.fail(n, "sensor '" + name + "' (type: run_status) needs 'status:'",
             "status: failure or status: success");
    s.run_status = r.name(n["status"], "'status:'");
    if (s.run_status != "failure" && s.run_status != "success")
      r.fail(n["status"],
             "sensor '" + name + "': 'status:' must be failure or success, not '" + s.run_status + "'");
    if (const auto& v = n["watch"]) s.watch = r.strings(v, "'watch:'");
    for (const char* k : {"path", "glob", "asset"})
      if (n[k]) r.fail(n[k], "sensor '" + name + "': " + k + ": is not for type: run_status");
  } else if (n["status"] || n["watch"]) {
    r.fail(n["status"] ? n["status"] : n["watch"],
           "sensor '" + name + "': status:/watch: are for type: run_status");
  }
  if (const auto& v = n["path"]) s.path = r.name(v, "'path:'");
  if (const auto& v = n["glob"]) s.glob = r.name(v, "'glob:'");
  if (const auto& v = n["asset"]) s.asset = r.name(v, "'asset:'");
  if (s.type == "command" && (n["path"] || n["glob"] || n["asset"]))
    r.fail(n["path"]   ? n["path"]
           : n["glob"] ? n["glob"]
                       : n["asset"],
           "sensor '" + name + "': path:/glob:/asset: are not for type: command");
  if (s.type == "files" && s.path.empty())
    r.fail(n, "sensor '" + name + "' (type: files) needs 'path:'", "e.g. path: landing, glob: \"*.csv\"");
  if (s.type == "asset" && s.asset.empty())
    r.fail(n, "sensor '" + name + "' (type: asset) needs 'asset:'", "e.g. asset: stg_orders");
  if (s.type == "asset" && (n["path"] || n["glob"]))
    r.fail(n["path"] ? n["path"] : n["glob"], "sensor '" + name + "': path:/glob: are for type: files");
  if (s.type == "files" && n["asset"]) r.fail(n["asset"], "sensor '" + name + "': asset: is for type: asset");
  if (const auto& v = n["select"]) s.select = r.strings(v, "'select:'");
  if (const auto& v = n["exclude"]) s.exclude = r.strings(v, "'exclude:'");
  // A command sensor's requests may each name what they run; select: is then their default.
  if (s.select.empty() && s.type != "command")
    r.fail(n, "sensor '" + name + "' needs 'select:' (what it runs)", "e.g. select: [load_landing]");
  if (const auto& v = n["interval"]) s.interval = r.duration_ms(v, "'interval:'");
  if (const auto& v = n["timeout"]) {
    s.timeout = r.duration_ms(v, "'timeout:'");
    if (s.timeout.count() <= 0) r.fail(v, "sensor '" + name + "': 'timeout:' must be more than 0");
  }
  if (const auto& v = n["enabled"]) s.enabled = r.boolean(v, "'enabled:'");
  return s;
}

}  // namespace pond::orchestrate
