#pragma once
// One evaluation of a sensor by the daemon. A files sensor runs its selection when files
// matching its glob under its folder are new or changed since it last ran (the files it saw are
// recorded with the run, in one transaction: each change triggers once); an asset sensor runs
// it when the asset has a materialization newer than its cursor (by any process or host).
// Evaluations that queue runs or fail are recorded in the tick table with their reason.
#include <chrono>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>

#include "automation/schedule_ticks.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/workspace.hpp"
#include "storage/folder_watch.hpp"

namespace pond::automation {

// "sensor:NAME": the sensor's key in the run store's automation tables.
std::string sensor_source(const std::string& name);

// What the sensor watches, for listings: "landing/*.csv", "stg_orders", "runs that end in failure
// of tag:finance", "command: python3 sensors/new_orders.py".
std::string sensor_watches(const orchestrate::SensorConfig& sensor);

// Whether the sensor is on: `pond sensors on|off` (the run store) over pond.yml's `enabled:`.
bool sensor_enabled(runstore::RunStore& store, const orchestrate::SensorConfig& sensor);

// Refuses (UserError at the sensor's pond.yml line) an asset sensor on an asset the project
// does not have: checked when the daemon starts.
void check_sensors(const orchestrate::Workspace& ws);

// A local files sensor's change notification: after a full listing, ticks look only at the
// files the kernel reported (storage::FolderWatch), with a full listing again when the watch asks
// for one and at least every kFullListingEvery as a safety net.
struct SensorWatch {
  std::optional<storage::FolderWatch> watch;  // nullopt: listed on every tick (see `why`)
  std::string why;                            // why there is no watch, warned once
  std::chrono::steady_clock::time_point listed_at;
};
inline constexpr std::chrono::minutes kFullListingEvery{15};

// What the daemon keeps of its files sensors between evaluations: the files each saw, so that
// an evaluation does not read them all back from the store (the store stays the truth: one
// daemon per store writes it, and what an evaluation could not record is read again), and
// each local sensor's folder watch.
struct SensorMemory {
  std::map<std::string, std::map<std::string, runstore::SensorFile>> files;  // source -> path -> file
  std::map<std::string, SensorWatch> watches;                                // source -> its watch
};

// Evaluates `sensor` at `now` (epoch seconds, the tick key of what it records). Returns whether
// it queued runs. `memory`: kept across evaluations (nullptr: read the store each time).
bool evaluate_sensor(orchestrate::Workspace& ws, const orchestrate::SensorConfig& sensor, EpochSeconds now,
                     std::ostream& out, SensorMemory* memory = nullptr);

}  // namespace pond::automation
