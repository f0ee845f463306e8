// `pond serve`: the lake over the PostgreSQL wire protocol (src/serve), and
// `pond serve --hash-password NAME`: a users-file line for a password read from stdin.
#include <openssl/rand.h>

#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "serve/scram.hpp"
#include "serve/server.hpp"
#include "serve/server_context.hpp"
#include "serve/users.hpp"

namespace pond::cli {

namespace {

int hash_password(const std::string& name) {
  if (name.find_first_of(" \t#") != std::string::npos)
    throw UserError("user name '" + name + "' contains a space or '#'", "choose a name without them");
  std::string password;
  std::getline(std::cin, password);
  if (password.empty())
    throw UserError("no password on standard input", "e.g. echo 'secret' | pond serve --hash-password alice");
  std::cout << name << " " << serve::make_verifier(password).to_string() << "\n";
  return 0;
}

}  // namespace

int run_serve(CommandContext& ctx, const ServeOptions& options) {
  if (options.hash_password_for) return hash_password(*options.hash_password_for);
  serve::ServerOptions server_options = serve::parse_listen(options.listen);
  server_options.workers = options.workers;
  ResolvedProject resolved = resolve_project(ctx.options);
  if (!resolved.target.lake)
    throw UserError(SourceLocation{resolved.target.profiles_file.string()},
                    "target '" + resolved.target.target_name + "' has no lake: pond serve serves the lake",
                    "add lake: {catalog: sqlite:lake.sqlite, data_path: lake/} to the target");

  serve::ServerContext context{engine::Database::open(":memory:"), nullptr, nullptr, {}, {}, {}};
  if (options.users_file) {
    context.auth.users = serve::load_users(*options.users_file);
    if (context.auth.users.empty())
      throw UserError(SourceLocation{*options.users_file}, "the users file lists no user");
  } else {
    if (!serve::is_loopback(server_options.host))
      throw UserError(
          "pond serve without --users accepts only local clients, but --listen is " + options.listen,
          "give --users FILE (lines from `pond serve --hash-password NAME`) or listen on 127.0.0.1");
    context.auth.trust_loopback = true;
    log::warn(
        "pond serve: no --users file: any local client connects without a password (trust on loopback)");
  }
  context.mock_key.assign(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(context.mock_key.data()), 32) != 1)
    throw InternalError("RAND_bytes failed");
  {
    engine::Connection setup(context.db);
    context.catalog = std::make_unique<serve::CatalogCompat>(setup);
  }
  context.views = std::make_unique<serve::LakeViews>(context.db, lake_config(resolved.target));
  std::int64_t snapshot = context.views->refresh();
  {
    engine::Connection setup(context.db);
    serve::restrict_file_access(setup, context.views->data_root());
  }

  serve::Server server(context, server_options);
  exec::Cancellation::Scope on_interrupt(ctx.cancel, [&server] { server.stop(); });
  log::info("pond serve: listening on {}:{} (lake snapshot {}; new snapshots are picked up per statement)",
            server_options.host, server.port(), snapshot);
  server.run();
  log::info("pond serve: stopped");
  return 0;
}

}  // namespace pond::cli
