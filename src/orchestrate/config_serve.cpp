// pond.yml `serve:`: the addresses, TLS files and users file of `pond serve` (docs/serve.md),
// read as strictly as the rest of pond.yml.
#include <cctype>

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

ServeRoleConfig::Name name_at(const Reader& r, const YamlNode& n, const std::string& what) {
  return {r.name(n, what), r.where(n)};
}

std::vector<ServeRoleConfig::Name> names(const Reader& r, const YamlNode& n, const std::string& what) {
  if (!n.is_sequence()) r.fail(n, what + " must be a list of names", "e.g. [alice, bob]");
  std::vector<ServeRoleConfig::Name> out;
  for (const auto& item : n.children) out.push_back(name_at(r, item, "each item of " + what));
  return out;
}

// One entry of `roles:` (docs/serve.md "Roles and grants").
ServeRoleConfig read_role(const Reader& r, const YamlNode& key, const YamlNode& n) {
  ServeRoleConfig role;
  role.name = name_at(r, key, "a role name");
  const std::string what = "role '" + role.name.name + "'";
  r.keys(n, what, {"admin", "members", "grants", "row_filters", "column_masks"});
  if (const auto& v = n["admin"]) role.admin = r.boolean(v, what + " 'admin:'");
  if (const auto& v = n["members"]) role.members = names(r, v, what + " 'members:'");
  if (role.admin)
    for (const char* k : {"grants", "row_filters", "column_masks"})
      if (const auto& v = n[k])
        r.fail(v, what + " is an admin role: it reads everything, so '" + k + ":' means nothing here",
               "remove '" + std::string(k) + ":' or 'admin: true'");
  if (const auto& grants = n["grants"]) {
    if (!grants.is_sequence())
      r.fail(grants, what + " 'grants:' must be a list", "e.g. grants: [{schema: main, tables: [orders]}]");
    for (const auto& g : grants.children) {
      r.keys(g, "a grant of " + what, {"schema", "tables"});
      if (!g["schema"])
        r.fail(g, "a grant of " + what + " needs 'schema:'", "e.g. {schema: main, tables: [orders]}");
      ServeRoleConfig::Grant grant;
      grant.schema = name_at(r, g["schema"], "'schema:'");
      if (const auto& t = g["tables"]) {
        grant.tables = names(r, t, "'tables:'");
        if (grant.tables.empty())
          r.fail(t, "'tables:' is empty", "leave 'tables:' out to grant every table of the schema");
      }
      role.grants.push_back(std::move(grant));
    }
  }
  if (const auto& filters = n["row_filters"]) {
    if (!filters.is_map())
      r.fail(filters, what + " 'row_filters:' must map tables to predicates",
             "e.g. row_filters: {orders: \"region = 'eu'\"}");
    for (std::size_t i = 0; i < filters.size(); ++i) {
      ServeRoleConfig::RowFilter f;
      f.table = name_at(r, filters.key(i), "a table name");
      f.predicate = r.name(filters.value(i), "the row filter of " + f.table.name);
      f.where = r.where(filters.value(i));
      role.row_filters.push_back(std::move(f));
    }
  }
  if (const auto& masks = n["column_masks"]) {
    if (!masks.is_map())
      r.fail(masks, what + " 'column_masks:' must map tables to {column: expression}",
             "e.g. column_masks: {customers: {email: \"md5(email)\", ssn: null}}");
    for (std::size_t i = 0; i < masks.size(); ++i) {
      ServeRoleConfig::Name table = name_at(r, masks.key(i), "a table name");
      const YamlNode& columns = masks.value(i);
      if (!columns.is_map() || columns.size() == 0)
        r.fail(columns, "the masks of " + table.name + " must map columns to expressions (or null)",
               "e.g. {email: \"md5(email)\", ssn: null}");
      for (std::size_t j = 0; j < columns.size(); ++j) {
        ServeRoleConfig::ColumnMask m;
        m.table = table;
        m.column = name_at(r, columns.key(j), "a column name");
        const YamlNode& e = columns.value(j);
        if (!e.is_null() && !(e.is_scalar() && e.quoted == false && e.scalar == "null"))
          m.expression = r.name(e, "the mask of " + table.name + "." + m.column.name);
        m.where = r.where(e);
        role.column_masks.push_back(std::move(m));
      }
    }
  }
  return role;
}

}  // namespace

void read_serve(const Reader& r, const YamlNode& section, PondConfig& c) {
  r.keys(section, "'serve:'", {"users", "pg", "http", "roles", "user_settings"});
  ServeConfig& s = c.serve;
  if (const auto& v = section["users"]) s.users = path(r, v, "serve 'users:'", c);
  if (const auto& pg = section["pg"]) {
    r.keys(pg, "'serve: pg:'", {"listen", "tls"});
    if (const auto& v = pg["listen"]) s.pg_listen = listen_address(r, v, "serve.pg 'listen:'");
    if (const auto& tls = pg["tls"]) {
      r.keys(tls, "'serve: pg: tls:'", {"cert", "key", "required", "cleartext_passwords", "client_ca"});
      if (!tls["cert"] || !tls["key"])
        r.fail(tls, "'tls:' needs both 'cert:' and 'key:'", "e.g. tls: {cert: server.crt, key: server.key}");
      s.tls_cert = path(r, tls["cert"], "'cert:'", c);
      s.tls_key = path(r, tls["key"], "'key:'", c);
      if (const auto& v = tls["required"]) s.tls_required = r.boolean(v, "'required:'");
      if (const auto& v = tls["client_ca"]) s.tls_client_ca = path(r, v, "'client_ca:'", c);
      if (const auto& v = tls["cleartext_passwords"])
        s.cleartext_passwords = r.boolean(v, "'cleartext_passwords:'");
    }
  }
  if (const auto& http = section["http"]) {
    r.keys(http, "'serve: http:'", {"listen"});
    if (const auto& v = http["listen"]) s.http_listen = listen_address(r, v, "serve.http 'listen:'");
  }
  if (const auto& settings = section["user_settings"]) {
    if (!settings.is_map() || settings.size() == 0)
      r.fail(settings, "'serve: user_settings:' must map user names to their settings",
             "e.g. user_settings: {alice: {region: eu}}: current_setting('pond.region') is 'eu' for alice");
    s.user_settings_where = r.where(settings);
    for (std::size_t i = 0; i < settings.size(); ++i) {
      std::string user = r.name(settings.key(i), "a user name");
      const YamlNode& values = settings.value(i);
      if (!values.is_map() || values.size() == 0)
        r.fail(values, "the settings of user '" + user + "' must map names to values", "e.g. {region: eu}");
      auto& out = s.user_settings[user];
      for (std::size_t j = 0; j < values.size(); ++j) {
        std::string name = r.name(values.key(j), "a setting name");
        bool ok = std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_';
        for (char ch : name) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
        if (!ok)
          r.fail(values.key(j), "setting name '" + name + "' is not a plain name",
                 "letters, digits and _: current_setting('pond." + name + "') reads it");
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (!out.emplace(name, r.str(values.value(j), "setting '" + name + "' of user '" + user + "'"))
                 .second)
          r.fail(values.key(j), "user '" + user + "' sets '" + name + "' twice (names ignore case)");
      }
    }
  }
  if (const auto& roles = section["roles"]) {
    if (!roles.is_map() || roles.size() == 0)
      r.fail(roles, "'serve: roles:' must map role names to their members and grants",
             "e.g. roles: {analyst: {members: [alice], grants: [{schema: main}]}}");
    s.roles_where = r.where(roles);
    std::map<std::string, std::string> role_of;  // a user belongs to one role
    for (std::size_t i = 0; i < roles.size(); ++i) {
      ServeRoleConfig role = read_role(r, roles.key(i), roles.value(i));
      for (const auto& m : role.members) {
        auto [it, fresh] = role_of.emplace(m.name, role.name.name);
        if (!fresh)
          throw UserError(
              m.where,
              "user '" + m.name + "' is a member of both '" + it->second + "' and '" + role.name.name + "'",
              "a user belongs to one role: give the grants of both to one role");
      }
      s.roles.push_back(std::move(role));
    }
  }
}

}  // namespace pond::orchestrate
