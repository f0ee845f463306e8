#include "ui/routes.hpp"

#include <algorithm>
#include <chrono>

#include "ui/actions.hpp"
#include "ui/automation_api.hpp"
#include "ui/backfills.hpp"
#include "ui/lake_api.hpp"

namespace pond::ui {

http::Response json_response(const nlohmann::json& j, int status) {
  return http::Response{status, "application/json; charset=utf-8", j.dump(), {{"Cache-Control", "no-store"}}};
}

std::optional<std::int64_t> int_param(const http::Request& req, const std::string& name) {
  auto v = req.param(name);
  if (!v || v->empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    std::int64_t n = std::stoll(*v, &used);
    if (used == v->size()) return n;
  } catch (const std::exception&) {
  }
  throw http::Error(400, "query parameter '" + name + "' must be a whole number, not '" + *v + "'");
}

orchestrate::EpochSeconds now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_operation_routes(http::Server& server, RouteContext& ctx) {
  auto locked = [&ctx](auto body) {
    return [&ctx, body](const http::Request& req) {
      std::lock_guard lock(ctx.ws_mutex);
      return body(req);
    };
  };
  auto& ws = ctx.ws;
  // Counts asked for in a query: whatever is given, within what an int holds (each endpoint
  // bounds it further).
  auto count = [](const http::Request& req, const std::string& name, int fallback) {
    return static_cast<int>(std::clamp<std::int64_t>(int_param(req, name).value_or(fallback), 0, 1'000'000));
  };
  auto limit = [&](const http::Request& req, int fallback) { return count(req, "limit", fallback); };

  // Re-execute / re-run: `pond runs reexecute ID [--failed]`, queued and launched like a
  // materialization from the UI.
  server.post("/api/runs/([^/]+)/reexecute", locked([&](const http::Request& req) {
                auto j = submit_reexecute(ws, req.captures.at(0), req.body);
                ctx.launcher.wake();
                return json_response(j, 202);
              }));

  server.get("/api/backfills", locked([&](const http::Request& req) {
               return json_response(backfills_json(ws.store(), limit(req, 50)));
             }));
  server.post("/api/backfills/plan", locked([&](const http::Request& req) {
                return json_response(
                    backfill_plan_json(ws, backfill_options(ws, req.body, now_seconds()), now_seconds()));
              }));
  server.post("/api/backfills", locked([&](const http::Request& req) {
                std::string id =
                    record_backfill(ws, backfill_options(ws, req.body, now_seconds()), now_seconds());
                ctx.backfills.run(id);
                return json_response({{"backfill_id", id}}, 202);
              }));
  server.get("/api/backfills/([^/]+)", locked([&](const http::Request& req) {
               return json_response(backfill_json(ws, req.captures.at(0), now_seconds()));
             }));
  server.post("/api/backfills/([^/]+)/resume", locked([&](const http::Request& req) {
                std::string id = ui::resume_backfill(ws, req.captures.at(0));
                ctx.backfills.run(id);
                return json_response({{"backfill_id", id}}, 202);
              }));
  server.post("/api/backfills/([^/]+)/cancel", locked([&](const http::Request& req) {
                return json_response(cancel_backfill(ws, req.captures.at(0)));
              }));

  server.get("/api/automation", locked([&](const http::Request& req) {
               return json_response(automation_json(ws, now_seconds(), count(req, "ticks", 10)));
             }));
  server.post("/api/(schedules|sensors)/([^/]+)/(on|off)", locked([&](const http::Request& req) {
                return json_response(set_automation_enabled(ws, req.captures.at(0), req.captures.at(1),
                                                            req.captures.at(2) == "on"));
              }));

  server.get("/api/lake", locked([&](const http::Request& req) {
               return json_response(lake_json(ws, int_param(req, "snapshot")));
             }));
  server.get("/api/lake/tables/([^/]+)", locked([&](const http::Request& req) {
               return json_response(
                   lake_table_json(ws, req.captures.at(0), int_param(req, "snapshot"), limit(req, 100)));
             }));
}

}  // namespace pond::ui
