#include "serve/authorize.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "common/text.hpp"
#include "engine/prepared_statement.hpp"
#include "serve/sql_error.hpp"
#include "serve/sql_split.hpp"

namespace pond::serve {

namespace {

using nlohmann::json;

// Views inside views: deeper than this is refused rather than expanded forever.
constexpr int kMaxViewDepth = 16;

// Table functions a non-admin role may call: they make rows, they read nothing.
const std::set<std::string> kTableFunctions = {"range", "generate_series", "unnest", "generate_subscripts"};

// Catalog relations a role reads as they are (they name no lake relation) ...
const std::set<std::string> kPlainCatalog = {"pg_namespace",
                                             "pg_database",
                                             "pg_roles",
                                             "pg_type",
                                             "pg_proc",
                                             "pg_am",
                                             "pg_description",
                                             "pg_index",
                                             "pg_constraint",
                                             "pg_attrdef",
                                             "pg_collation",
                                             "pg_policy",
                                             "pg_statistic_ext",
                                             "pg_publication",
                                             "pg_publication_rel",
                                             "pg_publication_namespace",
                                             "pg_inherits",
                                             "pg_enum",
                                             "pg_settings",
                                             "pg_depend",
                                             "pg_trigger",
                                             "pg_sequence",
                                             "pg_extension",
                                             "pg_tablespace",
                                             "pg_range",
                                             "pg_user",
                                             "pg_prepared_statements",
                                             "pg_matviews",
                                             "pg_stat_user_tables"};
// ... and those it reads filtered to the relations it may read ({role}: the role's name).
const std::map<std::string, std::string> kFilteredCatalog = {
    {"pg_class",
     "SELECT c.* FROM pond_catalog.pg_class c WHERE pond_catalog.role_sees({role}, (SELECT n.nspname FROM "
     "pg_catalog.pg_namespace n WHERE n.oid = c.relnamespace), c.relname)"},
    {"pg_attribute",
     "SELECT a.* FROM pond_catalog.pg_attribute a WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN "
     "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = a.attrelid AND NOT "
     "pond_catalog.role_sees({role}, n.nspname, c.relname))"},
    {"pg_tables",
     "SELECT * FROM pond_catalog.pg_tables WHERE pond_catalog.role_sees({role}, schemaname, tablename)"},
    {"pg_views",
     "SELECT * FROM pond_catalog.pg_views WHERE pond_catalog.role_sees({role}, schemaname, viewname)"},
};
const std::map<std::string, std::string> kFilteredInformationSchema = {
    {"tables",
     "SELECT * FROM information_schema.tables WHERE pond_catalog.role_sees({role}, table_schema, "
     "table_name)"},
    {"columns",
     "SELECT * FROM pond_catalog.information_schema_columns WHERE pond_catalog.role_sees({role}, "
     "table_schema, "
     "table_name)"},
    {"views",
     "SELECT * FROM information_schema.views WHERE pond_catalog.role_sees({role}, table_schema, table_name)"},
    {"schemata", "SELECT * FROM information_schema.schemata"},
    // Metabase's sync joins these for primary keys (the lake has none; DuckDB tables may).
    {"table_constraints",
     "SELECT * FROM information_schema.table_constraints WHERE pond_catalog.role_sees({role}, table_schema, "
     "table_name)"},
    {"key_column_usage",
     "SELECT * FROM information_schema.key_column_usage WHERE pond_catalog.role_sees({role}, table_schema, "
     "table_name)"},
};

// Settings a session of any role may change: the client conventions drivers set at connect.
const std::set<std::string> kSessionSettings = {
    "timezone",        "datestyle",           "application_name", "extra_float_digits",
    "client_encoding", "client_min_messages", "intervalstyle",    "statement_timeout"};

// Thrown by Authorizer::parse for a statement that is not a query.
struct NotAQuery {};

[[noreturn]] void denied(const std::string& what, const std::string& hint = {}) {
  throw SqlError("42501", "permission denied " + what + (hint.empty() ? "" : " (" + hint + ")"));
}

[[noreturn]] void no_relation(const std::string& name) {
  throw SqlError("42P01", "relation \"" + name + "\" does not exist");
}

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json varchar_constant(const std::string& value) {
  return {{"class", "CONSTANT"},
          {"type", "VALUE_CONSTANT"},
          {"alias", ""},
          {"query_location", 18446744073709551615ULL},
          {"value",
           {{"type", {{"id", "VARCHAR"}, {"type_info", nullptr}}}, {"is_null", false}, {"value", value}}}};
}

// A table reference that reads the statement `subquery` under `alias`.
json subquery_ref(const json& original, json subquery, const std::string& alias, json column_aliases) {
  return {{"type", "SUBQUERY"},
          {"alias", alias},
          {"sample", original.contains("sample") ? original["sample"] : json(nullptr)},
          {"query_location", original.value("query_location", 18446744073709551615ULL)},
          {"subquery", std::move(subquery)},
          {"column_name_alias", std::move(column_aliases)}};
}

// `SET [SESSION] name = value` with one literal value, or `RESET name`: the name if the
// statement has that shape (a value that is an expression could read a table).
std::optional<std::string> simple_setting(std::string_view sql) {
  static const std::regex set(
      R"(^\s*SET\s+(?:SESSION\s+)?([A-Za-z_]+)(?:\s*=\s*|\s+TO\s+)('(?:[^']|'')*'|[-+]?[A-Za-z0-9_.]+)\s*;?\s*$)",
      std::regex::icase);
  static const std::regex reset(R"(^\s*RESET\s+([A-Za-z_]+)\s*;?\s*$)", std::regex::icase);
  std::cmatch m;
  const char* b = sql.data();
  const char* e = sql.data() + sql.size();
  if (std::regex_match(b, e, m, set) || std::regex_match(b, e, m, reset)) return lower(m[1].str());
  return std::nullopt;
}

}  // namespace

// Walks one parse tree: CTE scopes, table references, table functions, privilege functions.
struct Walker {
  Authorizer& a;
  engine::Connection& con;
  int depth = 0;
  using Ctes = std::vector<std::string>;

  void visit(json& j, const Ctes& ctes) {
    if (j.is_array()) {
      for (auto& e : j) visit(e, ctes);
      return;
    }
    if (!j.is_object()) return;
    if (auto cte = j.find("cte_map"); cte != j.end() && cte->is_object() && cte->contains("map"))
      return with_ctes(j, ctes);
    std::string type = text_of(j, "type");
    if (type == "BASE_TABLE" && j.contains("table_name")) {
      j = table_ref(j, ctes);
      return;
    }
    if (type == "TABLE_FUNCTION") table_function(j);
    if (type == "SHOW_REF" && j["query"].is_null())
      denied("to list the database's tables with SHOW", "query information_schema.tables or use \\dt");
    if (text_of(j, "class") == "FUNCTION") privilege_function(j);
    if (bind_user(j)) return;
    for (auto& [key, value] : j.items()) visit(value, ctes);
  }

  // current_user and session_user (DuckDB's say "duckdb") become the session's user, in the
  // client's statement and in the role's filters and masks: `owner = current_user` filters per
  // user; current_setting('pond.NAME') becomes the user's setting (serve.user_settings), NULL
  // when it has none.
  bool bind_user(json& j) const {
    std::string cls = text_of(j, "class");
    if (cls == "FUNCTION" && text_of(j, "schema").empty() &&
        lower(text_of(j, "function_name")) == "current_setting" && j["children"].is_array() &&
        !j["children"].empty() && j["children"].size() <= 2 &&
        text_of(j["children"][0], "class") == "CONSTANT" && j["children"][0]["value"]["value"].is_string()) {
      std::optional<std::string> name =
          user_setting_name(j["children"][0]["value"]["value"].get<std::string>());
      if (!name) return false;
      std::string alias = text_of(j, "alias");
      auto it = a.settings_.find(*name);
      if (it != a.settings_.end())
        j = varchar_constant(it->second);
      else  // as DuckDB parses it, so that the printed statement reads back the same
        j = json::parse(a.parsed(con, "SELECT CAST(NULL AS VARCHAR)"))["node"]["select_list"][0];
      j["alias"] = alias.empty() ? "current_setting" : alias;
      return true;
    }
    std::string name;
    if (cls == "COLUMN_REF" && j["column_names"].is_array() && j["column_names"].size() == 1 &&
        j["column_names"][0].is_string())
      name = lower(j["column_names"][0].get<std::string>());
    else if (cls == "FUNCTION" && text_of(j, "schema").empty() && j["children"].is_array() &&
             j["children"].empty())
      name = lower(text_of(j, "function_name"));
    if (name != "current_user" && name != "session_user") return false;
    std::string alias = text_of(j, "alias");
    j = varchar_constant(a.user_);
    j["alias"] = alias.empty() ? name : alias;
    return true;
  }

  // pond's own SQL for a relation (trusted, not walked) with the session's user bound.
  json policy(const std::string& sql) const {
    json out = json::parse(a.parsed(con, sql));
    bind_users_in(out);
    return out;
  }
  void bind_users_in(json& j) const {
    if (j.is_array()) {
      for (auto& e : j) bind_users_in(e);
    } else if (j.is_object() && !bind_user(j)) {
      for (auto& [key, value] : j.items()) bind_users_in(value);
    }
  }

  // A query node with a WITH clause: each CTE sees the ones before it (a recursive one also
  // itself, in its recursive part); the node's body sees all. A name is taken as a CTE only
  // where DuckDB certainly binds it to one: elsewhere it is checked as a table, which can
  // refuse a query but never let one read more.
  void with_ctes(json& j, const Ctes& outer) {
    Ctes scope = outer;
    for (auto& entry : j["cte_map"]["map"]) {
      std::string name = lower(text_of(entry, "key"));
      json& value = entry["value"];
      json& node = value["query"]["node"];
      if (text_of(node, "type") == "RECURSIVE_CTE_NODE") {
        Ctes self = scope;
        self.push_back(name);
        for (auto& [key, v] : node.items()) visit(v, key == "right" ? self : scope);
        for (auto& [key, v] : value.items())
          if (key != "query") visit(v, scope);
      } else {
        visit(value, scope);
      }
      scope.push_back(name);
    }
    for (auto& [key, value] : j.items())
      if (key != "cte_map") visit(value, scope);
  }

  json table_ref(const json& ref, const Ctes& ctes) {
    const std::string written = text_of(ref, "table_name");
    const std::string name = lower(written);
    const std::string schema = lower(text_of(ref, "schema_name"));
    const std::string catalog = lower(text_of(ref, "catalog_name"));
    std::string shown = (schema.empty() ? "" : text_of(ref, "schema_name") + ".") + written;
    if (ref.contains("at_clause") && !ref["at_clause"].is_null())
      denied("to read " + shown + " at another snapshot (AT)", "time travel is for admin roles");
    if (!catalog.empty() && catalog != "memory") no_relation(text_of(ref, "catalog_name") + "." + shown);
    if (schema.empty() && catalog.empty() && std::find(ctes.begin(), ctes.end(), name) != ctes.end())
      return ref;
    RelationName rel{schema.empty() ? "main" : schema, name};
    if (a.lake_->contains(rel)) return lake_relation(ref, rel, written);
    if (schema.empty() || schema == "pg_catalog" || schema == "pond_catalog") {
      if (auto f = kFilteredCatalog.find(name); f != kFilteredCatalog.end())
        return catalog_relation(ref, f->second, written);
      if (kPlainCatalog.count(name)) {
        json out = ref;
        if (schema.empty()) out["schema_name"] = "pg_catalog";
        return out;
      }
    }
    // catalog_compat.cpp reads information_schema.columns from pond_catalog.information_schema_columns.
    const bool compat_columns = schema == "pond_catalog" && name == "information_schema_columns";
    if (schema == "information_schema" || compat_columns) {
      if (auto f = kFilteredInformationSchema.find(compat_columns ? "columns" : name);
          f != kFilteredInformationSchema.end())
        return catalog_relation(ref, f->second, written);
    }
    if (schema.empty() || schema == "pg_catalog" || schema == "pond_catalog" ||
        schema == "information_schema" || catalog == "memory")
      denied("for table " + shown, "roles other than admin read lake tables and the PostgreSQL catalog");
    no_relation(shown);
  }

  json lake_relation(const json& ref, const RelationName& rel, const std::string& written) {
    if (!a.role_.may_read(rel)) throw SqlError("42501", "permission denied for table " + written);
    std::string alias = text_of(ref, "alias").empty() ? written : text_of(ref, "alias");
    auto restricted = a.role_.restricted_select(rel);
    auto view = a.lake_->views.find(rel);
    if (view == a.lake_->views.end()) {
      if (!restricted) {  // qualified, so that no search path can point the name elsewhere
        json out = ref;
        out["schema_name"] = rel.first;
        out["catalog_name"] = "";
        return out;
      }
      return subquery_ref(ref, policy(*restricted), alias, ref["column_name_alias"]);
    }
    // A view: its body is read as this role too (expanded here and walked like the query).
    if (++depth > kMaxViewDepth)
      throw SqlError("42501", "permission denied for view " + written + ": views nest more than " +
                                  std::to_string(kMaxViewDepth) + " deep");
    json body = json::parse(a.parse(con, view->second.sql, false));
    visit(body, {});
    --depth;
    json stmt = json::parse(a.parsed(con, restricted.value_or("SELECT * FROM " + quote_identifier(rel.first) +
                                                              "." + quote_identifier(rel.second))));
    json& from = stmt["node"]["from_table"];
    from = subquery_ref(from, std::move(body), rel.second, json(view->second.aliases));
    return subquery_ref(ref, std::move(stmt), alias, ref["column_name_alias"]);
  }

  json catalog_relation(const json& ref, const std::string& sql, const std::string& written) {
    std::string filtered = replace_role(sql);
    std::string alias = text_of(ref, "alias").empty() ? written : text_of(ref, "alias");
    return subquery_ref(ref, json::parse(a.parsed(con, filtered)), alias, ref["column_name_alias"]);
  }

  std::string replace_role(std::string sql) const {
    const std::string role = quote_literal(a.role_.name);
    for (std::size_t at = sql.find("{role}"); at != std::string::npos;
         at = sql.find("{role}", at + role.size()))
      sql.replace(at, 6, role);
    return sql;
  }

  void table_function(const json& j) {
    const json& f = j["function"];
    std::string name = lower(text_of(f, "function_name"));
    std::string schema = lower(text_of(f, "schema"));
    if (kTableFunctions.count(name) && (schema.empty() || schema == "main" || schema == "pg_catalog")) return;
    denied("for function " + text_of(f, "function_name"),
           "roles other than admin cannot read files or call table functions other than range, "
           "generate_series and unnest");
  }

  // has_table_privilege and friends answer for the session's user (or the user named) from
  // the grants (pond_catalog.role_*): DuckDB's own always say true.
  void privilege_function(json& j) {
    std::string name = lower(text_of(j, "function_name"));
    std::string schema = lower(text_of(j, "schema"));
    if (schema == "pond_catalog" && (name.rfind("role_", 0) == 0 || name.rfind("relation_", 0) == 0))
      denied("for function " + text_of(j, "function_name"));
    if (!schema.empty() && schema != "pg_catalog") return;
    json& args = j["children"];
    if (!args.is_array()) return;
    std::size_t n = args.size();
    auto user = [&] { return varchar_constant(a.user_); };
    json out;
    if (name == "has_table_privilege" || name == "has_any_column_privilege") {
      if (n == 2)
        out = {user(), args[0], args[1]};
      else if (n == 3)
        out = args;
      name = "role_has_table_privilege";
    } else if (name == "has_column_privilege") {
      if (n == 3)
        out = {user(), args[0], args[2]};
      else if (n == 4)
        out = {args[0], args[1], args[3]};
      name = "role_has_table_privilege";  // column grants are whole tables: a masked column is readable
    } else if (name == "has_schema_privilege") {
      if (n == 2)
        out = {user(), args[0], args[1]};
      else if (n == 3)
        out = args;
      name = "role_has_schema_privilege";
    } else {
      return;
    }
    if (out.is_null()) return;  // a wrong number of arguments: DuckDB's own error
    // An argument keeps no alias (a bound `current_user` gets one, for its column name): in a
    // macro call an aliased argument would be a named one.
    for (auto& arg : out) {
      bind_user(arg);
      if (arg.is_object() && arg.contains("alias")) arg["alias"] = "";
    }
    j["function_name"] = name;
    j["schema"] = "pond_catalog";
    j["children"] = std::move(out);
  }
};

std::string without_statement_excerpt(const std::string& m) {
  auto at = m.find("\nLINE ");
  if (at == std::string::npos) return m;
  while (at > 0 && m[at - 1] == '\n') --at;
  return m.substr(0, at);
}

Authorizer::Authorizer(const RolePolicy& role, std::string user, std::shared_ptr<const LakeObjects> lake,
                       std::map<std::string, std::string> settings)
    : role_(role), user_(std::move(user)), lake_(std::move(lake)), settings_(std::move(settings)) {}

std::string Authorizer::parse(engine::Connection& con, std::string_view sql, bool from_client) {
  auto p = con.prepare("SELECT json_serialize_sql(?::VARCHAR)");
  p.bind(1, sql);
  auto rows = p.execute().rows_as_text();
  json j = json::parse(rows.at(0).at(0).value_or("{}"));
  if (j.value("error", true)) {
    std::string message = j.value("error_message", std::string("the statement could not be parsed"));
    if (from_client && message.find("Only SELECT statements") != std::string::npos) throw NotAQuery{};
    throw SqlError("42601", message);
  }
  if (j["statements"].size() != 1) throw SqlError("42601", "one statement expected");
  return j["statements"][0].dump();
}

const std::string& Authorizer::parsed(engine::Connection& con, const std::string& sql) {
  auto it = parsed_.find(sql);
  if (it == parsed_.end()) it = parsed_.emplace(sql, parse(con, sql, false)).first;
  return it->second;
}

namespace {

// The tree without what printing may change without changing what is read: source positions,
// the order of `* REPLACE (...)` entries (a map), and the names of expressions outside select
// lists (DuckDB prints them only where they name a column).
void normalize(json& j) {
  if (j.is_array()) {
    for (auto& e : j) normalize(e);
  } else if (j.is_object()) {
    j.erase("query_location");
    if (j.contains("class") && j.contains("alias")) j["alias"] = "";
    for (auto& [key, value] : j.items()) {
      normalize(value);
      if (key == "replace_list" && value.is_array())
        std::sort(value.begin(), value.end(),
                  [](const json& x, const json& y) { return x.dump() < y.dump(); });
    }
  }
}

}  // namespace

std::string Authorizer::rewrite(engine::Connection& con, std::string_view sql) {
  if (role_.admin) return std::string(sql);
  json statement;
  try {
    statement = json::parse(parse(con, sql, true));
  } catch (const NotAQuery&) {
    // Not a query: transaction control and a few session settings only.
    std::string verb = leading_keywords(sql, 1);
    static const std::set<std::string> kTransaction = {"BEGIN", "START",    "COMMIT",
                                                       "END",   "ROLLBACK", "ABORT"};
    if (kTransaction.count(verb)) return std::string(sql);
    if (verb == "SET" || verb == "RESET") {
      auto name = simple_setting(sql);
      if (name && kSessionSettings.count(*name)) return std::string(sql);
      denied(
          "to change this setting", "roles other than admin may set only " + [] {
            std::string s;
            for (const auto& n : kSessionSettings) s += (s.empty() ? "" : ", ") + n;
            return s;
          }() + ", to one literal value");
    }
    if (verb == "EXPLAIN")
      denied("to run EXPLAIN as role \"" + role_.name + "\"",
             "a plan shows table sizes and the role's filters");
    denied("to run " + verb + " as role \"" + role_.name + "\"",
           "roles other than admin run queries (SELECT, DESCRIBE, SUMMARIZE) and transaction control");
  }
  Walker walker{*this, con};
  walker.visit(statement, {});
  auto p = con.prepare("SELECT json_deserialize_sql(?::JSON)");
  json wrapped = {{"error", false}, {"statements", json::array({statement})}};
  p.bind(1, std::string_view(wrapped.dump()));
  auto rows = p.execute().rows_as_text();
  std::string out = rows.at(0).at(0).value_or("");
  // What runs must parse to the tree that was authorized: a construct DuckDB prints in a way
  // that reads back differently is refused, never run as something else.
  json reparsed = json::parse(parse(con, out, false));
  normalize(statement);
  normalize(reparsed);
  if (reparsed != statement)
    throw SqlError("0A000", "pond serve cannot check this statement for role \"" + role_.name +
                                "\": DuckDB does not print it back as it parsed it");
  return out;
}

}  // namespace pond::serve
