// `pond ui` and `pond dev`: the web UI (src/ui); `pond dev` also runs the daemon (src/automation)
// and, with a serve: section, the PostgreSQL wire server of `pond serve`.
#include <exception>
#include <iostream>
#include <thread>

#include "cli/commands.hpp"
#include "common/log.hpp"
#include "orchestrate/config.hpp"
#include "ui/server.hpp"

namespace pond::cli {

int run_ui(CommandContext& ctx, const UiCliOptions& options) {
  ui::UiOptions o;
  o.host = options.host;
  o.port = options.port;
  o.dev = options.dev;
  bool serve = false;
  if (options.dev) {
    serve = options.serve.value_or(false);
    if (!options.serve) {
      ResolvedProject resolved = resolve_project(ctx.options);
      serve = orchestrate::load_pond_config(resolved.project.root).serve.pg_listen.has_value();
    }
  }
  if (!serve) return ui::serve(ctx.options, o, ctx.cancel, std::cout);

  // The wire server runs on its own thread with its own cancellation: a stop of `pond dev`
  // (Ctrl-C, SIGTERM) stops the UI first, then it; a wire server that cannot start (a port in
  // use, a bad policy) stops the UI and fails the command with its error.
  exec::Cancellation serve_cancel;
  CommandContext serve_ctx{ctx.options, serve_cancel};
  std::exception_ptr serve_error;
  std::thread server([&] {
    try {
      run_serve(serve_ctx, ServeOptions{});
    } catch (...) {
      serve_error = std::current_exception();
    }
    if (!serve_cancel.requested()) ctx.cancel.request();  // it ended on its own: stop the UI too
  });
  int rc = 0;
  try {
    rc = ui::serve(ctx.options, o, ctx.cancel, std::cout);
  } catch (...) {
    serve_cancel.request();
    server.join();
    throw;
  }
  serve_cancel.request();
  server.join();
  if (serve_error) std::rethrow_exception(serve_error);
  return rc;
}

}  // namespace pond::cli
