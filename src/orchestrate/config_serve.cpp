// pond.yml `serve:`: the addresses, TLS files and users file of `pond serve` (docs/serve.md),
// read as strictly as the rest of pond.yml.
#include "orchestrate/config.hpp"
#include "orchestrate/config_reader_internal.hpp"

namespace pond::orchestrate {

namespace {

// "HOST:PORT" with a port from 0 to 65535 (the host is checked when pond serve binds it).
std::string listen_address(const Reader& r, const YamlNode& n, const std::string& what) {
  std::string s = r.name(n, what);
  std::size_t colon = s.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < s.size() && colon + 6 >= s.size();
  for (std::size_t i = colon + 1; ok && i < s.size(); ++i)
    ok = std::isdigit(static_cast<unsigned char>(s[i]));
  if (ok) ok = std::stoi(s.substr(colon + 1)) <= 65535;
  if (!ok) r.fail(n, what + " '" + s + "' is not HOST:PORT", "e.g. 127.0.0.1:5433 or 0.0.0.0:5433");
  return s;
}

std::string path(const Reader& r, const YamlNode& n, const std::string& what, const PondConfig& c) {
  std::filesystem::path p = r.name(n, what);
  return (p.is_absolute() ? p : c.file.parent_path() / p).lexically_normal().string();
}

}  // namespace

void read_serve(const Reader& r, const YamlNode& section, PondConfig& c) {
  r.keys(section, "'serve:'", {"users", "pg", "http"});
  ServeConfig& s = c.serve;
  if (const auto& v = section["users"]) s.users = path(r, v, "serve 'users:'", c);
  if (const auto& pg = section["pg"]) {
    r.keys(pg, "'serve: pg:'", {"listen", "tls"});
    if (const auto& v = pg["listen"]) s.pg_listen = listen_address(r, v, "serve.pg 'listen:'");
    if (const auto& tls = pg["tls"]) {
      r.keys(tls, "'serve: pg: tls:'", {"cert", "key", "required"});
      if (!tls["cert"] || !tls["key"])
        r.fail(tls, "'tls:' needs both 'cert:' and 'key:'", "e.g. tls: {cert: server.crt, key: server.key}");
      s.tls_cert = path(r, tls["cert"], "'cert:'", c);
      s.tls_key = path(r, tls["key"], "'key:'", c);
      if (const auto& v = tls["required"]) s.tls_required = r.boolean(v, "'required:'");
    }
  }
  if (const auto& http = section["http"]) {
    r.keys(http, "'serve: http:'", {"listen"});
    if (const auto& v = http["listen"]) s.http_listen = listen_address(r, v, "serve.http 'listen:'");
  }
}

}  // namespace pond::orchestrate
