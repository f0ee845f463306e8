#pragma once
// Schedules and sensors in the web UI: each with its recorded ticks (what the daemon decided and
// why), the next tick, and on/off as `pond schedules|sensors on|off NAME` keeps it (the run
// store, over pond.yml's `enabled:`).
#include <nlohmann/json.hpp>
#include <string>

#include "orchestrate/workspace.hpp"

namespace pond::ui {

// {"schedules": [...], "sensors": [...], "daemon": {"running", "host", "pid", "heartbeat_at"} | null}.
nlohmann::json automation_json(orchestrate::Workspace& ws, orchestrate::EpochSeconds now, int ticks);

// `kind`: "schedules" or "sensors". 404 for a name pond.yml does not have.
nlohmann::json set_automation_enabled(orchestrate::Workspace& ws, const std::string& kind,
                                      const std::string& name, bool on);

}  // namespace pond::ui
