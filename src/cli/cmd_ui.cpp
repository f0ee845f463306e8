// `pond ui` and `pond dev`: the web UI (src/ui); `pond dev` also runs the daemon (src/automation).
#include <iostream>

#include "cli/commands.hpp"
#include "ui/server.hpp"

namespace pond::cli {

int run_ui(CommandContext& ctx, const UiCliOptions& options) {
  ui::UiOptions o;
  o.host = options.host;
  o.port = options.port;
  o.dev = options.dev;
  return ui::serve(ctx.options, o, ctx.cancel, std::cout);
}

}  // namespace pond::cli
