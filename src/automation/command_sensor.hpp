#pragma once
// A command sensor (`type: command`): any executable that prints run requests as JSON lines.
// pond runs it with the cursor it kept (POND_SENSOR_CURSOR) and reads, one JSON object a line:
//   {"select": "orders+" or [...], "exclude": ..., "partition": KEY, "tags": {...}, "run_key": K}
//   {"cursor": "..."}   the cursor to keep, committed with the runs the evaluation queues
//   {"skip": "why"}     nothing to do, and why (recorded when it changes)
// Anything else is an error naming the line; a non-zero exit or a timeout fails the evaluation.
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrate/config.hpp"

namespace pond::automation {

// One run a command sensor asked for.
struct SensorRunRequest {
  std::vector<std::string> select;  // empty: the sensor's select:
  std::vector<std::string> exclude;
  std::optional<std::string> partition;
  std::map<std::string, std::string> tags;
  std::optional<std::string> run_key;  // a key this sensor submitted before is not run again
  int line = 0;                        // of the command's output
};

// What one run of the command printed.
struct SensorCommandOutput {
  std::vector<SensorRunRequest> requests;
  std::optional<std::string> cursor;
  std::optional<std::string> skip_reason;
};

// Parses the command's standard output. Throws std::invalid_argument naming the line and what
// was expected.
SensorCommandOutput parse_sensor_output(std::string_view text);

// Runs the sensor's command in `root` with `cursor`; returns what it printed, or throws
// std::runtime_error saying why the evaluation failed (could not start, exit code with the end
// of its stderr, timed out, bad output).
SensorCommandOutput run_sensor_command(const orchestrate::SensorConfig& sensor,
                                       const std::filesystem::path& root,
                                       const std::optional<std::string>& cursor, std::string_view tick_time,
                                       const std::atomic<bool>& cancelled);

}  // namespace pond::automation
