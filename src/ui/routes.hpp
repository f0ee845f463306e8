#pragma once
// The routes of the UI's operations pages (re-execute, backfills, schedules and sensors, the
// lake), registered on the server that serve() builds; docs/ui.md lists them.
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "http/server.hpp"
#include "orchestrate/workspace.hpp"
#include "ui/backfill_runner.hpp"
#include "ui/launcher.hpp"

namespace pond::ui {

struct RouteContext {
  orchestrate::Workspace& ws;
  std::mutex& ws_mutex;  // one workspace and store connection, one request at a time
  Launcher& launcher;
  BackfillRunner& backfills;
};

http::Response json_response(const nlohmann::json& j, int status = 200);
// A whole-number query parameter (400 when it is not one).
std::optional<std::int64_t> int_param(const http::Request& req, const std::string& name);
orchestrate::EpochSeconds now_seconds();

void add_operation_routes(http::Server& server, RouteContext& ctx);

}  // namespace pond::ui
