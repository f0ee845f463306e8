#pragma once
// `pond ui` / `pond dev`: the web UI (the embedded front end) and its JSON API with live
// updates on one HTTP server (http/server.hpp). docs/ui.md describes the pages and endpoints.
#include <iosfwd>
#include <string>

#include "dbt/options.hpp"
#include "exec/cancellation.hpp"

namespace pond::ui {

struct UiOptions {
  std::string host = "127.0.0.1";
  int port = 3000;  // 0: any free port
  // `pond dev`: the UI together with the daemon (automation). The daemon is not in pond yet;
  // until it is, dev serves what ui serves and says so at start.
  bool dev = false;
};

// Serves until `stop` is requested (Ctrl-C); prints where (and the token, for a non-loopback
// host) on `out`. Throws UserError when the project does not load or the address is taken.
int serve(const dbt::GlobalOptions& options, const UiOptions& ui, exec::Cancellation& stop,
          std::ostream& out);

}  // namespace pond::ui
