#include "serve/policy.hpp"

#include <algorithm>
#include <regex>

#include "common/text.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"

namespace pond::serve {

namespace {

// Larger than any table: a LIMIT that keeps every row but that DuckDB's filter pushdown does
// not cross, so a reader's predicate never runs on a row the role's filter hides.
constexpr const char* kBarrier = "9223372036854775807";

std::string quote_name(const std::string& s) {
  return quote_identifier(s);
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string qualified(const RelationName& n) {
  return quote_name(n.first) + "." + quote_name(n.second);
}

// The columns of a lake relation as the server's database shows it (lower case).
std::set<std::string> columns_of(engine::Connection& con, const RelationName& n) {
  auto q = con.prepare(
      "SELECT lower(column_name) FROM information_schema.columns WHERE lower(table_schema) = ? AND "
      "lower(table_name) = ?");
  q.bind(1, std::string_view(n.first));
  q.bind(2, std::string_view(n.second));
  std::set<std::string> out;
  for (const auto& row : q.execute().rows_as_text())
    if (row[0]) out.insert(*row[0]);
  return out;
}

// `sql` with every current_setting('pond.NAME') as a NULL text, to check that a filter or mask
// runs (DuckDB has no pond.* settings; the authorizer binds the user's values). A NAME no user
// has is an error at `where`. Only for this check: what runs is bound on the parse tree.
std::string with_settings_as_null(const std::string& sql, const UserSettings& settings,
                                  const SourceLocation& where) {
  static const std::regex call(
      R"(current_setting\s*\(\s*'pond\.([A-Za-z_][A-Za-z0-9_]*)'\s*(,\s*(true|false)\s*)?\))",
      std::regex::icase);
  std::string out;
  auto begin = std::sregex_iterator(sql.begin(), sql.end(), call);
  std::size_t at = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    std::string name = lower((*it)[1].str());
    bool known = std::any_of(settings.begin(), settings.end(),
                             [&](const auto& user) { return user.second.count(name) > 0; });
    if (!known)
      throw UserError(where, "current_setting('pond." + name + "'): no user has the setting '" + name + "'",
                      "set it per user: serve: {user_settings: {alice: {" + name + ": ...}}}");
    out += sql.substr(at, static_cast<std::size_t>(it->position()) - at) + "CAST(NULL AS VARCHAR)";
    at = static_cast<std::size_t>(it->position() + it->length());
  }
  return out + sql.substr(at);
}

// DuckDB's message without its "LINE 1: ..." excerpt (that points into pond's SQL, not pond.yml).
std::string first_line(const std::string& m) {
  return m.substr(0, m.find('\n'));
}

}  // namespace

std::string lower(std::string s) {
  return to_lower(s);
}

RelationName relation_name(const std::string& text) {
  auto dot = text.find('.');
  if (dot == std::string::npos) return {"main", lower(text)};
  return {lower(text.substr(0, dot)), lower(text.substr(dot + 1))};
}

bool RolePolicy::may_read(const RelationName& n) const {
  if (admin) return true;
  auto it = grants.find(n.first);
  if (it == grants.end()) return false;
  return !it->second || it->second->count(n.second) > 0;
}

std::optional<std::string> RolePolicy::restricted_select(const RelationName& n) const {
  auto it = restrictions.find(n);
  if (it == restrictions.end()) return std::nullopt;
  const Restriction& r = it->second;
  std::string replace;
  for (const auto& [column, expression] : r.column_masks) {
    replace += replace.empty() ? "" : ",\n";
    // A NULL of the column's own type, so clients see the type they expect.
    replace +=
        expression ? "(\n" + *expression + "\n)" : "CASE WHEN false THEN " + quote_name(column) + " END";
    replace += " AS " + quote_name(column);
  }
  // Each piece of configured SQL on lines of its own: a trailing `--` comment in pond.yml
  // cannot swallow the barrier.
  std::string sql = "SELECT *";
  if (!replace.empty()) sql += " REPLACE (\n" + replace + "\n)";
  sql += "\nFROM " + qualified(n);
  if (r.row_filter) sql += "\nWHERE (\n" + *r.row_filter + "\n)";
  sql += "\nLIMIT " + std::string(kBarrier);
  return sql;
}

Policies::Policies() {
  admin_.name = "admin";
  admin_.admin = true;
  nobody_.name = "(no role)";
}

Policies::Policies(const std::vector<RoleSpec>& specs, engine::Connection& con, const LakeObjects& lake,
                   UserSettings settings)
    : Policies() {
  enabled_ = true;
  settings_ = std::move(settings);
  std::set<std::string> schemas;
  for (const auto& t : lake.tables) schemas.insert(t.first);
  for (const auto& [v, body] : lake.views) schemas.insert(v.first);
  auto known = [&](const RoleSpec::Name& table) {
    RelationName n = relation_name(table.name);
    if (!lake.contains(n))
      throw UserError(table.where, "no lake table or view '" + table.name + "'",
                      "the lake's tables are listed by `pond show`; name another schema as schema.table");
    return n;
  };
  for (const auto& spec : specs) {
    auto role = std::make_shared<RolePolicy>();
    role->name = spec.name.name;
    role->admin = spec.admin;
    for (const auto& g : spec.grants) {
      std::string schema = lower(g.schema.name);
      if (!schemas.count(schema))
        throw UserError(g.schema.where, "the lake has no schema '" + g.schema.name + "'",
                        "its schemas are: " + join(schemas));
      auto [it, fresh] = role->grants.try_emplace(schema, std::set<std::string>{});
      if (g.tables.empty()) {
        it->second.reset();  // every relation of the schema, also ones added later
        continue;
      }
      if (!it->second) continue;  // already the whole schema
      for (const auto& t : g.tables)
        it->second->insert(known({g.schema.name + "." + t.name, t.where}).second);
    }
    for (const auto& f : spec.row_filters) {
      RelationName n = known(f.table);
      if (!role->may_read(n))
        throw UserError(
            f.table.where,
            "role '" + role->name + "' has a row filter on '" + f.table.name + "' but no grant on it",
            "add it to the role's grants: [{schema: " + n.first + ", tables: [" + n.second + "]}]");
      role->restrictions[n].row_filter = f.predicate;
      try {
        con.prepare("SELECT 1 FROM " + qualified(n) + " WHERE (\n" +
                    with_settings_as_null(f.predicate, settings_, f.where) + "\n)");
      } catch (const engine::EngineError& e) {
        throw UserError(f.where,
                        "the row filter of '" + f.table.name + "' does not run: " + first_line(e.what()),
                        "a predicate over the table's columns, e.g. region = 'eu'");
      }
    }
    for (const auto& m : spec.column_masks) {
      RelationName n = known(m.table);
      if (!role->may_read(n))
        throw UserError(
            m.table.where,
            "role '" + role->name + "' masks a column of '" + m.table.name + "' but has no grant on it",
            "add it to the role's grants: [{schema: " + n.first + ", tables: [" + n.second + "]}]");
      std::set<std::string> columns = columns_of(con, n);
      std::string column = lower(m.column.name);
      if (!columns.count(column))
        throw UserError(m.column.where, "'" + m.table.name + "' has no column '" + m.column.name + "'",
                        "its columns are: " + join(columns));
      role->restrictions[n].column_masks[column] = m.expression;
      if (m.expression) try {
          con.prepare("SELECT (\n" + with_settings_as_null(*m.expression, settings_, m.where) + "\n) FROM " +
                      qualified(n));
        } catch (const engine::EngineError& e) {
          throw UserError(m.where,
                          "the mask of '" + m.table.name + "." + m.column.name +
                              "' does not run: " + first_line(e.what()),
                          "an expression over the table's columns, e.g. md5(email), or null");
        }
    }
    for (const auto& member : spec.members) role_by_user_[member.name] = role->name;
    roles_.push_back(std::move(role));
  }
}

const std::map<std::string, std::string>& Policies::settings_of(const std::string& user) const {
  auto it = settings_.find(user);
  return it == settings_.end() ? no_settings_ : it->second;
}

std::optional<std::string> user_setting_name(std::string_view setting) {
  std::string s = lower(std::string(setting));
  if (!s.starts_with("pond.") || s.size() == 5) return std::nullopt;
  return s.substr(5);
}

const RolePolicy& Policies::role_of(const std::string& user) const {
  if (!enabled_) return admin_;
  auto it = role_by_user_.find(user);
  if (it == role_by_user_.end()) return nobody_;
  for (const auto& r : roles_)
    if (r->name == it->second) return *r;
  return nobody_;
}

void record_role_grants(engine::Connection& con, const Policies& policies, const LakeObjects& lake) {
  con.execute(
      "CREATE TABLE IF NOT EXISTS pond_catalog.lake_objects (schema_name VARCHAR, name VARCHAR);"
      "CREATE TABLE IF NOT EXISTS pond_catalog.role_grants (role VARCHAR, schema_name VARCHAR, name VARCHAR);"
      "CREATE TABLE IF NOT EXISTS pond_catalog.role_members (user_name VARCHAR, role VARCHAR, admin BOOLEAN);"
      "DELETE FROM pond_catalog.lake_objects; DELETE FROM pond_catalog.role_grants;"
      "DELETE FROM pond_catalog.role_members;");
  // What the catalog views and has_*_privilege ask (authorize.cpp puts them in non-admin
  // sessions' statements): relations outside the lake are visible to every role.
  con.execute(R"sql(
CREATE OR REPLACE MACRO pond_catalog.role_sees(r, s, n) AS
  NOT EXISTS (SELECT 1 FROM pond_catalog.lake_objects o WHERE o.schema_name = lower(s) AND o.name = lower(n))
  OR EXISTS (SELECT 1 FROM pond_catalog.role_grants g
             WHERE g.role = r AND g.schema_name = lower(s) AND g.name = lower(n));
CREATE OR REPLACE MACRO pond_catalog.relation_schema(t) AS coalesce(
  (SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid::VARCHAR = t::VARCHAR LIMIT 1),
  CASE WHEN contains(t::VARCHAR, '.') THEN split_part(t::VARCHAR, '.', 1) ELSE 'main' END);
CREATE OR REPLACE MACRO pond_catalog.relation_table(t) AS coalesce(
  (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid::VARCHAR = t::VARCHAR LIMIT 1),
  CASE WHEN contains(t::VARCHAR, '.') THEN split_part(t::VARCHAR, '.', 2) ELSE t::VARCHAR END);
CREATE OR REPLACE MACRO pond_catalog.role_has_table_privilege(u, t, p) AS
  upper(trim(p::VARCHAR)) IN ('SELECT', 'SELECT WITH GRANT OPTION') AND EXISTS (
    SELECT 1 FROM pond_catalog.role_members m WHERE m.user_name = u::VARCHAR AND (m.admin OR
      pond_catalog.role_sees(m.role, pond_catalog.relation_schema(t), pond_catalog.relation_table(t))));
CREATE OR REPLACE MACRO pond_catalog.role_has_schema_privilege(u, s, p) AS
  upper(trim(p::VARCHAR)) = 'USAGE' AND EXISTS (
    SELECT 1 FROM pond_catalog.role_members m WHERE m.user_name = u::VARCHAR AND (m.admin
      OR NOT EXISTS (SELECT 1 FROM pond_catalog.lake_objects o WHERE o.schema_name = lower(s::VARCHAR))
      OR EXISTS (SELECT 1 FROM pond_catalog.role_grants g
                 WHERE g.role = m.role AND g.schema_name = lower(s::VARCHAR))));
)sql");
  std::vector<RelationName> all(lake.tables.begin(), lake.tables.end());
  for (const auto& [n, v] : lake.views) all.push_back(n);
  auto insert = [&](const std::string& table, const std::vector<std::string>& rows) {
    if (rows.empty()) return;
    std::string sql = "INSERT INTO pond_catalog." + table + " VALUES ";
    for (std::size_t i = 0; i < rows.size(); ++i) sql += (i ? ", (" : "(") + rows[i] + ")";
    con.execute(sql);
  };
  std::vector<std::string> objects, grants, members;
  for (const auto& n : all) objects.push_back(quote_literal(n.first) + ", " + quote_literal(n.second));
  for (const auto& role : policies.roles())
    for (const auto& n : all)
      if (role->may_read(n))
        grants.push_back(quote_literal(role->name) + ", " + quote_literal(n.first) + ", " +
                         quote_literal(n.second));
  for (const auto& [user, role] : policies.members())
    members.push_back(quote_literal(user) + ", " + quote_literal(role) + ", " +
                      (policies.role_of(user).admin ? "true" : "false"));
  insert("lake_objects", objects);
  insert("role_grants", grants);
  insert("role_members", members);
}

}  // namespace pond::serve
