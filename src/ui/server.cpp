#include "ui/server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <ostream>
#include <thread>

#include "automation/daemon.hpp"
#include "common/build_info.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "http/server.hpp"
#include "orchestrate/workspace.hpp"
#include "ui/actions.hpp"
#include "ui/api.hpp"
#include "ui/launcher.hpp"
#include "ui/live.hpp"
#include "ui/routes.hpp"
#include "ui/static_files.hpp"

namespace pond::ui {

namespace {

http::Response static_file(const http::Request& req) {
  if (req.path.rfind("/api/", 0) == 0 || req.path == "/api")
    throw http::Error(404, "no API endpoint " + req.path, "docs/ui.md lists the endpoints");
  const EmbeddedFile* f = find_ui_file(req.path);
  // Page URLs (/assets/orders, /runs/ID) are the front end's routes: they all get index.html.
  if (!f) f = find_ui_file("/");
  if (!f) throw InternalError("the UI's index.html is not embedded in this build");
  return http::Response{200, content_type_of(f->path), f->content, {{"Cache-Control", "no-cache"}}};
}

}  // namespace

int serve(const dbt::GlobalOptions& options, const UiOptions& ui, exec::Cancellation& stop,
          std::ostream& out) {
  orchestrate::Workspace ws(options);
  std::atomic<bool> daemon_running{false};
  std::mutex ws_mutex;  // one workspace and store connection, one request at a time
  http::Broadcaster live;
  Launcher launcher(options);
  BackfillRunner backfills(options);
  StoreWatcher watcher(ws.open_store(), live);

  http::ServerOptions server_options;
  server_options.host = ui.host;
  server_options.port = ui.port;
  if (!http::is_loopback(ui.host)) server_options.token = http::random_token();
  http::Server server(server_options);

  auto locked = [&](auto body) {
    return [&ws_mutex, body](const http::Request& req) {
      std::lock_guard lock(ws_mutex);
      return body(req);
    };
  };
  server.get("/api/info", [&](const http::Request&) {
    const auto* m = ws.graph().manifest();
    return json_response({{"project", m ? m->project.name : ""},
                          {"root", ws.root().string()},
                          {"mode", ui.dev ? "dev" : "ui"},
                          {"daemon", daemon_running.load()},
                          {"version", std::string(pond_version())}});
  });
  server.get("/api/overview", locked([&](const http::Request&) {
               return json_response(overview_json(ws, ws.store(), now_seconds()));
             }));
  // The graph with every asset's status is the largest answer (1.5 MB at 5,000 assets); it is kept while the
  // run store has not changed, for at most a few seconds (statuses also move with the clock: partitions that
  // come to exist, freshness).
  struct {
    std::string body;
    std::uint64_t generation = 0;
    EpochSeconds at = 0;
  } graph_cache;
  server.get("/api/graph", locked([&](const http::Request&) {
               constexpr EpochSeconds kMaxAge = 5;
               std::uint64_t generation = watcher.generation();
               EpochSeconds now = now_seconds();
               if (graph_cache.body.empty() || graph_cache.generation != generation ||
                   now - graph_cache.at >= kMaxAge)
                 graph_cache = {graph_json_text(ws, ws.store(), now), generation, now};
               return http::Response{
                   200, "application/json; charset=utf-8", graph_cache.body, {{"Cache-Control", "no-store"}}};
             }));
  server.get("/api/select", locked([&](const http::Request& req) {
               return json_response(selection_json(ws.graph(), req.param("select").value_or(""),
                                                   req.param("exclude").value_or("")));
             }));
  server.get("/api/assets/(.+)", locked([&](const http::Request& req) {
               return json_response(asset_json(ws, ws.store(), req.captures.at(0), now_seconds()));
             }));
  server.get("/api/runs", locked([&](const http::Request& req) {
               RunFilter f;
               auto nonempty = [&](const char* k) {
                 auto v = req.param(k);
                 return v && !v->empty() ? v : std::nullopt;
               };
               f.status = nonempty("status");
               f.asset = nonempty("asset");
               f.tag = nonempty("tag");
               f.since = nonempty("since");
               f.limit =
                   static_cast<int>(std::clamp<std::int64_t>(int_param(req, "limit").value_or(50), 1, 1000));
               return json_response(runs_json(ws, ws.store(), f));
             }));
  server.get(
      "/api/runs/([^/]+)", locked([&](const http::Request& req) {
        return json_response(run_json(ws.store(), req.captures.at(0), int_param(req, "after").value_or(0)));
      }));
  server.post("/api/materialize", locked([&](const http::Request& req) {
                auto j = submit_materialize(ws, req.body);
                launcher.wake();
                return json_response(j, 202);
              }));
  server.post("/api/runs/([^/]+)/cancel", locked([&](const http::Request& req) {
                return json_response(cancel(ws.store(), req.captures.at(0)));
              }));
  RouteContext route_context{ws, ws_mutex, launcher, backfills};
  add_operation_routes(server, route_context);
  server.stream("/api/events", [&](const http::Request&) { return live.subscribe(); });
  server.fallback(static_file);

  int port = server.bind();
  // `pond dev` runs the daemon's loop (schedules, sensors, queued runs) beside the UI, on a
  // workspace and store connection of its own; a daemon already holding the run store is
  // reported and the UI serves without one.
  exec::Cancellation daemon_stop;
  std::jthread daemon;
  if (ui.dev) {
    daemon = std::jthread([&] {
      try {
        orchestrate::Workspace daemon_ws(options);
        daemon_running = true;
        automation::run_daemon(daemon_ws, automation::DaemonOptions{}, daemon_stop, out);
      } catch (const UserError& e) {
        log::warn("pond dev: the daemon does not run: {}", e.what());
      } catch (const std::exception& e) {
        log::error("pond dev: the daemon stopped: {}", e.what());
      }
      daemon_running = false;
    });
  }
  exec::Cancellation::Scope on_stop(stop, [&] {
    daemon_stop.request();
    live.close();
    server.stop();
  });
  std::string shown_host = ui.host.find(':') != std::string::npos ? "[" + ui.host + "]" : ui.host;
  std::string url = "http://" + shown_host + ":" + std::to_string(port) + "/";
  if (!server_options.token.empty()) url += "?token=" + server_options.token;
  out << "pond " << (ui.dev ? "dev" : "ui") << ": serving the web UI of "
      << (ws.graph().manifest() ? ws.graph().manifest()->project.name : ws.root().string()) << " on " << url
      << "\n";
  if (!server_options.token.empty())
    out << "  (listening beyond this machine: every request needs the token in that URL)\n";
  if (ui.dev) out << "  (pond dev: the daemon runs schedules, sensors and queued runs beside the UI)\n";
  out << "  Ctrl-C stops it.\n" << std::flush;
  server.run();
  daemon_stop.request();
  live.close();
  log::info("pond ui: stopped");
  return 0;
}

}  // namespace pond::ui
