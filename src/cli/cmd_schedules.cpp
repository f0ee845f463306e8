// `pond schedules`: the schedules of pond.yml with their next and last tick; NAME: that schedule's
// recorded ticks; with --from/--until, every tick of that window (and the partition each would
// run): a dry run; `on|off NAME`: turn a schedule on or off in the run store.
#include <date/date.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "automation/schedule_evaluator.hpp"
#include "automation/schedule_ticks.hpp"
#include "cli/commands.hpp"
#include "cli/table_output.hpp"
#include "common/error.hpp"
#include "orchestrate/config.hpp"
#include "project/project_locator.hpp"
#include "runstore/run_store.hpp"

namespace pond::cli {

namespace {

// "2026-03-28", "2026-03-28T06:00", "2026-03-28 06:00:00", optionally ending in Z: UTC.
automation::EpochSeconds parse_utc(const std::string& text, const char* flag) {
  std::string s = text;
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.pop_back();
  for (char& c : s)
    if (c == 'T') c = ' ';
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  int n = std::sscanf(s.c_str(), "%4d-%2d-%2d%n %2d:%2d%n:%2d%n", &y, &mo, &d, &used, &h, &mi, &used, &sec,
                      &used);
  date::year_month_day ymd{date::year{y}, date::month(static_cast<unsigned>(mo)),
                           date::day(static_cast<unsigned>(d))};
  if ((n == 3 || n == 5 || n == 6) && static_cast<std::size_t>(used) == s.size() && ymd.ok() && h < 24 &&
      mi < 60 && sec < 60)
    return (date::sys_days{ymd} + std::chrono::hours(h) + std::chrono::minutes(mi) +
            std::chrono::seconds(sec))
        .time_since_epoch()
        .count();
  throw UserError(std::string(flag) + " '" + text + "' is not a UTC time",
                  "e.g. 2026-03-28, 2026-03-28T06:00 or 2026-03-28T06:00:00Z");
}

const orchestrate::ScheduleConfig& find_schedule(const orchestrate::PondConfig& config,
                                                 const std::string& name) {
  for (const auto& s : config.schedules)
    if (s.name == name) return s;
  std::string known;
  for (const auto& s : config.schedules) known += (known.empty() ? "" : ", ") + s.name;
  throw UserError("pond.yml has no schedule '" + name + "'",
                  known.empty() ? "add one under schedules: in pond.yml" : "its schedules: " + known);
}

}  // namespace

int run_schedules(CommandContext& ctx, const SchedulesOptions& options) {
  std::filesystem::path start = ctx.options.project_dir.value_or(std::filesystem::current_path());
  const std::filesystem::path root = project::find_project_root(start);
  orchestrate::PondConfig config = orchestrate::load_pond_config(root);
  auto open_store = [&] { return runstore::RunStore::open_spec(config.state, root); };
  if (options.turn) {
    const auto& [name, on] = *options.turn;
    find_schedule(config, name);
    open_store().set_automation_enabled(automation::schedule_source(name), on);
    std::cout << "Schedule " << name << " is " << (on ? "on" : "off")
              << (on ? " (it ticks from now on; missed ticks are not caught up)" : "") << "\n";
    return 0;
  }
  if (!options.name.empty()) find_schedule(config, options.name);
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (options.from.empty() != options.until.empty())
    throw UserError("--from and --until go together", "e.g. --from 2026-03-28 --until 2026-03-31");
  engine::ColumnType text{engine::TypeId::kVarchar, "VARCHAR"};
  TextTable t;
  if (options.from.empty() && !options.name.empty()) {
    // One schedule: its recorded ticks, most recent first.
    const auto& s = find_schedule(config, options.name);
    automation::ScheduleTicks ticks(s.cron, s.timezone);
    t.columns = {"tick_utc", "tick_local", "status", "runs", "reason", "recorded_at"};
    t.types.assign(t.columns.size(), text);
    runstore::RunStore store = open_store();
    for (const auto& tick : store.recent_ticks(automation::schedule_source(s.name), 50)) {
      std::string runs;
      for (const auto& id : tick.run_ids) runs += (runs.empty() ? "" : " ") + id;
      t.rows.push_back({automation::utc_minute_text(tick.tick_at), ticks.local_text(tick.tick_at),
                        tick.status, runs, tick.reason, tick.recorded_at});
    }
  } else if (options.from.empty()) {
    t.columns = {"schedule", "cron",      "timezone",      "select",        "partitions",
                 "enabled",  "next_tick", "next_tick_utc", "last_tick_utc", "last_outcome"};
    t.types.assign(t.columns.size(), text);
    runstore::RunStore store = open_store();
    for (const auto& s : config.schedules) {
      automation::ScheduleTicks ticks(s.cron, s.timezone);
      std::optional<automation::EpochSeconds> next = ticks.next_after(now);
      std::string select;
      for (const auto& x : s.select) select += (select.empty() ? "" : " ") + x;
      for (const auto& x : s.exclude) select += " --exclude " + x;
      auto last = store.recent_ticks(automation::schedule_source(s.name), 1);
      t.rows.push_back({s.name, s.cron, s.timezone, select.empty() ? "*" : select, s.partitions,
                        automation::schedule_enabled(store, s) ? "on" : "off",
                        next ? ticks.local_text(*next) : std::string("never"),
                        next ? automation::utc_minute_text(*next) : std::string(),
                        last.empty() ? std::string() : automation::utc_minute_text(last[0].tick_at),
                        last.empty() ? std::string() : automation::outcome_text(last[0])});
    }
  } else {
    automation::EpochSeconds from = parse_utc(options.from, "--from"),
                             until = parse_utc(options.until, "--until");
    if (until <= from) throw UserError("--until must be after --from");
    t.columns = {"tick_utc", "tick_local", "schedule", "partition"};
    t.types.assign(t.columns.size(), text);
    std::vector<std::pair<automation::EpochSeconds, std::vector<std::optional<std::string>>>> rows;
    for (const auto& s : config.schedules) {
      if (!options.name.empty() && s.name != options.name) continue;
      automation::ScheduleTicks ticks(s.cron, s.timezone);
      for (const auto& tick : automation::schedule_ticks(config, s, from, until))
        rows.push_back(
            {tick.at,
             {automation::utc_minute_text(tick.at), ticks.local_text(tick.at), s.name, tick.partition}});
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& r : rows) t.rows.push_back(std::move(r.second));
  }
  print_as(std::cout, t, parse_output_format(options.output));
  return 0;
}

}  // namespace pond::cli
