// `pond sensors`: pond.yml's sensors with their last evaluation; NAME: that sensor's recorded
// evaluations (what triggered it, the runs it queued, why it failed); `on|off NAME`.
#include <chrono>
#include <iostream>

#include "automation/schedule_evaluator.hpp"
#include "automation/sensor_evaluator.hpp"
#include "cli/commands.hpp"
#include "cli/table_output.hpp"
#include "common/error.hpp"
#include "orchestrate/config.hpp"
#include "project/project_locator.hpp"
#include "runstore/run_store.hpp"

namespace pond::cli {

namespace {

const orchestrate::SensorConfig& find_sensor(const orchestrate::PondConfig& config, const std::string& name) {
  std::string known;
  for (const auto& s : config.sensors) {
    if (s.name == name) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw UserError("pond.yml has no sensor '" + name + "'",
                  known.empty() ? "add one under sensors: in pond.yml" : "its sensors: " + known);
}

}  // namespace

int run_sensors(CommandContext& ctx, const SensorsOptions& options) {
  std::filesystem::path start = ctx.options.project_dir.value_or(std::filesystem::current_path());
  const std::filesystem::path root = project::find_project_root(start);
  orchestrate::PondConfig config = orchestrate::load_pond_config(root);
  runstore::RunStore store = runstore::RunStore::open_spec(config.state, root);
  if (options.turn) {
    const auto& [name, on] = *options.turn;
    find_sensor(config, name);
    store.set_automation_enabled(automation::sensor_source(name), on);
    std::cout << "Sensor " << name << " is " << (on ? "on" : "off") << "\n";
    return 0;
  }
  engine::ColumnType text{engine::TypeId::kVarchar, "VARCHAR"};
  TextTable t;
  if (!options.name.empty()) {
    const auto& s = find_sensor(config, options.name);
    t.columns = {"evaluated_utc", "status", "runs", "reason", "recorded_at"};
    t.types.assign(t.columns.size(), text);
    for (const auto& tick : store.recent_ticks(automation::sensor_source(s.name), 50)) {
      std::string runs;
      for (const auto& id : tick.run_ids) runs += (runs.empty() ? "" : " ") + id;
      t.rows.push_back(
          {automation::utc_minute_text(tick.tick_at), tick.status, runs, tick.reason, tick.recorded_at});
    }
  } else {
    t.columns = {"sensor", "type", "watches", "select", "interval", "enabled", "last_utc", "last_outcome"};
    t.types.assign(t.columns.size(), text);
    for (const auto& s : config.sensors) {
      std::string select;
      for (const auto& x : s.select) select += (select.empty() ? "" : " ") + x;
      for (const auto& x : s.exclude) select += " --exclude " + x;
      auto last = store.recent_ticks(automation::sensor_source(s.name), 1);
      t.rows.push_back(
          {s.name, s.type, automation::sensor_watches(s), select,
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(s.interval).count()) + "s",
           automation::sensor_enabled(store, s) ? "on" : "off",
           last.empty() ? std::string() : automation::utc_minute_text(last[0].tick_at),
           last.empty() ? std::string() : automation::outcome_text(last[0])});
    }
  }
  print_as(std::cout, t, parse_output_format(options.output));
  return 0;
}

}  // namespace pond::cli
