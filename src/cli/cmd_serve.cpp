// `pond serve`: the lake over the PostgreSQL wire protocol (src/serve), and
// `pond serve --hash-password NAME`: a users-file line for a password read from stdin.
#include <openssl/rand.h>

#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "http/server.hpp"
#include "orchestrate/config.hpp"
#include "serve/http_api.hpp"
#include "serve/parquet_export.hpp"
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

// The token goes to stderr (the terminal), the line with its hash to stdout (the users file).
int new_token(const std::string& name) {
  if (name.empty() || name.find_first_of(" \t#") != std::string::npos)
    throw UserError("user name '" + name + "' is empty or contains a space or '#'",
                    "choose a name without them");
  std::string token = serve::new_token();
  std::cout << name << " " << serve::token_entry(token) << "\n";
  std::cerr << "HTTP bearer token of " << name << " (shown once; only its hash is in the line on stdout):\n"
            << token << "\n";
  return 0;
}

// pond.yml's roles as the serve library takes them (it checks them against the lake).
std::vector<serve::RoleSpec> role_specs(const std::vector<orchestrate::ServeRoleConfig>& roles) {
  auto name = [](const orchestrate::ServeRoleConfig::Name& n) {
    return serve::RoleSpec::Name{n.name, n.where};
  };
  std::vector<serve::RoleSpec> out;
  for (const auto& r : roles) {
    serve::RoleSpec spec;
    spec.name = name(r.name);
    spec.admin = r.admin;
    for (const auto& m : r.members) spec.members.push_back(name(m));
    for (const auto& g : r.grants) {
      serve::RoleSpec::Grant grant{name(g.schema), {}};
      for (const auto& t : g.tables) grant.tables.push_back(name(t));
      spec.grants.push_back(std::move(grant));
    }
    for (const auto& f : r.row_filters) spec.row_filters.push_back({name(f.table), f.predicate, f.where});
    for (const auto& m : r.column_masks)
      spec.column_masks.push_back({name(m.table), name(m.column), m.expression, m.where});
    out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace

int run_serve(CommandContext& ctx, const ServeOptions& given) {
  if (given.hash_password_for) return hash_password(*given.hash_password_for);
  if (given.new_token_for) return new_token(*given.new_token_for);
  ResolvedProject resolved = resolve_project(ctx.options);
  // pond.yml's serve: section fills what the command line leaves unset.
  ServeOptions options = given;
  const orchestrate::ServeConfig yml = orchestrate::load_pond_config(resolved.project.root).serve;
  if (!options.listen) options.listen = yml.pg_listen.value_or("127.0.0.1:5433");
  if (!options.users_file) options.users_file = yml.users;
  // The file `pond users add` writes by default, when pond.yml names none.
  if (std::error_code ec;
      !options.users_file && std::filesystem::exists(default_users_file(resolved.project.root), ec))
    options.users_file = default_users_file(resolved.project.root).string();
  if (!options.http_listen) options.http_listen = yml.http_listen;
  if (options.tls_cert.empty() && options.tls_key.empty() && yml.tls_cert) {
    options.tls_cert = *yml.tls_cert;
    options.tls_key = *yml.tls_key;
  }
  if (options.tls_client_ca.empty() && yml.tls_client_ca) options.tls_client_ca = *yml.tls_client_ca;
  options.tls_required = options.tls_required || yml.tls_required;
  serve::ServerOptions server_options = serve::parse_listen(*options.listen);
  server_options.workers = options.workers;
  server_options.tls_cert = options.tls_cert;
  server_options.tls_key = options.tls_key;
  server_options.tls_client_ca = options.tls_client_ca;
  if (!resolved.target.lake)
    throw UserError(SourceLocation{resolved.target.profiles_file.string()},
                    "target '" + resolved.target.target_name + "' has no lake: pond serve serves the lake",
                    "add lake: {catalog: sqlite:lake.sqlite, data_path: lake/} to the target");

  serve::ServerContext context{engine::Database::open(":memory:"), nullptr, nullptr, {}, {}, {}};
  if (!yml.roles.empty() && !options.users_file)
    throw UserError(yml.roles_where,
                    "serve 'roles:' needs a users file: without one nobody logs in as a user",
                    "add 'users: serve_users' under 'serve:' (lines from `pond serve --hash-password NAME`)");
  if (options.users_file) {
    context.auth.users = std::make_shared<serve::UsersSource>(*options.users_file);
    if (context.auth.users->current()->empty())
      throw UserError(SourceLocation{*options.users_file}, "the users file lists no user",
                      "add one with `pond users add NAME` (or lines from `pond serve --new-token NAME`)");
    log::info("pond serve: users from {} (read again when it changes)", *options.users_file);
  } else {
    if (!serve::is_loopback(server_options.host))
      throw UserError(
          "pond serve without --users accepts only local clients, but --listen is " + *options.listen,
          "give --users FILE (lines from `pond serve --hash-password NAME`) or listen on 127.0.0.1");
    if (options.http_listen && !serve::is_loopback(serve::parse_listen(*options.http_listen).host))
      throw UserError(
          "pond serve without --users accepts only local clients, but --http-listen is " +
              *options.http_listen,
          "give --users FILE (with lines from `pond serve --new-token NAME`) or listen on 127.0.0.1");
    context.auth.trust_loopback = true;
    log::warn(
        "pond serve: no --users file: any local client connects without a password (trust on loopback)");
  }
  context.auth.require_tls = options.tls_required;
  // Only from pond.yml's tls: block, so it never applies without the certificate it names.
  context.auth.cleartext_over_tls =
      yml.cleartext_passwords && yml.tls_cert && options.tls_cert == *yml.tls_cert;
  context.mock_key.assign(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(context.mock_key.data()), 32) != 1)
    throw InternalError("RAND_bytes failed");
  {
    engine::Connection setup(context.db);
    context.catalog = std::make_unique<serve::CatalogCompat>(setup);
  }
  context.views = std::make_unique<serve::LakeViews>(context.db, lake_config(resolved.target));
  std::int64_t snapshot = context.views->refresh();
  if (!yml.roles.empty()) {
    engine::Connection check(context.db);
    auto policies = std::make_shared<const serve::Policies>(role_specs(yml.roles), check,
                                                            *context.views->objects(), yml.user_settings);
    std::set<std::string> users;
    std::shared_ptr<const serve::Users> listed = context.auth.users->current();
    for (const auto& [user, verifier] : listed->passwords) users.insert(user);
    for (const auto& [hash, user] : listed->tokens) users.insert(user);
    for (const auto& user : users)
      if (!policies->members().count(user))
        log::warn("pond serve: user '{}' is in no role of pond.yml: it logs in but may read nothing", user);
    for (const auto& [user, settings] : yml.user_settings)
      if (!policies->members().count(user))
        log::warn("pond serve: user '{}' has settings in serve.user_settings but is in no role", user);
    context.views->set_policies(std::move(policies));
  } else if (!yml.user_settings.empty()) {
    log::warn(
        "pond serve: serve.user_settings applies to the filters and masks of roles, and pond.yml has no "
        "roles");
  }
  // Parquet results of the HTTP API are written here (DuckDB writes Parquet only to files).
  std::optional<serve::ExportFolder> export_folder;
  if (options.http_listen) {
    export_folder.emplace();
    context.export_folder = export_folder->path().string();
  }
  {
    engine::Connection setup(context.db);
    serve::restrict_file_access(setup, context.views->data_root(), context.export_folder);
  }

  serve::Server server(context, server_options);
  std::optional<http::Server> http_server;
  std::optional<std::thread> http_thread;
  if (options.http_listen) {
    serve::ServerOptions where = serve::parse_listen(*options.http_listen);
    http::ServerOptions http_options;
    http_options.host = where.host;
    http_options.port = where.port;
    // With users, every request carries a bearer token; without, the layer's loopback checks.
    http_options.routes_authenticate = !context.auth.trust_loopback;
    http_options.body_types = {"application/json", "text/plain", "application/sql"};
    http_server.emplace(http_options);
    serve::add_table_api(*http_server, context);
    int port = http_server->bind();
    log::info("pond serve: HTTP table API listening on {}:{}", where.host, port);
  }
  exec::Cancellation::Scope on_interrupt(ctx.cancel, [&server, &http_server] {
    server.stop();
    if (http_server) http_server->stop();
  });
  if (http_server) http_thread.emplace([&http_server] { http_server->run(); });
  struct Join {
    std::optional<std::thread>& t;
    std::optional<http::Server>& s;
    ~Join() {
      if (t) {
        s->stop();
        t->join();
      }
    }
  } join{http_thread, http_server};
  log::info(
      "pond serve: listening on {}:{} ({}; lake snapshot {}; new snapshots are picked up per statement)",
      server_options.host, server.port(),
      server_options.tls_cert.empty() ? "no TLS"
      : options.tls_required          ? "TLS required"
                                      : "TLS offered",
      snapshot);
  server.run();
  log::info("pond serve: stopped");
  return 0;
}

}  // namespace pond::cli
