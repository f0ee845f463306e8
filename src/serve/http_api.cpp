#include "serve/http_api.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "common/log.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"
#include "serve/authorize.hpp"
#include "serve/parquet_export.hpp"
#include "serve/pg_types.hpp"
#include "serve/result_writer.hpp"
#include "serve/session.hpp"
#include "serve/sql_error.hpp"
#include "serve/sql_split.hpp"
#include "serve/sqlstate.hpp"
#include "serve/statement_guard.hpp"
#include "serve/table_query.hpp"

namespace pond::serve {

namespace {

// A running statement: its connection must outlive the result that streams from it.
struct Running {
  engine::Connection con;
  std::optional<engine::Result> result;
  std::optional<ParquetFile> parquet;  // a Parquet result, written before the first byte is sent
  std::vector<std::string> names;
  std::vector<engine::ColumnType> types;
  explicit Running(engine::Database& db) : con(db) {}
};

// HTTP statuses for the SQLSTATE classes a client can cause.
int http_status(const std::string& sqlstate) {
  if (sqlstate == "42501") return 403;
  if (sqlstate == "57014") return 503;
  if (sqlstate.rfind("42", 0) == 0 || sqlstate.rfind("22", 0) == 0 || sqlstate == "0A000") return 400;
  return 500;
}

// Runs `sql` with `parameters` (text, cast by DuckDB) and keeps the result for streaming.
// Errors before the first row become a JSON error with the SQLSTATE in the message.
// The statement is authorized for the user's role first (authorize.hpp), as on the wire.
std::shared_ptr<Running> run(ServerContext& ctx, const std::string& user, const std::string& given_sql,
                             const std::vector<std::string>& parameters, ResultFormat format) {
  auto r = std::make_shared<Running>(ctx.db);
  auto policies = ctx.views->policies();
  const RolePolicy& role = policies->role_of(user);
  try {
    refuse_unserved(leading_keywords(given_sql, 1));
    ctx.views->refresh();  // every request sees the newest lake snapshot
    std::string sql = given_sql;
    if (!role.admin)
      sql = Authorizer(role, user, ctx.views->objects(), policies->settings_of(user)).rewrite(r->con, sql);
    engine::PreparedStatement p = r->con.prepare(sql);
    refuse_unserved(p.kind(), leading_keywords(sql, 1));
    if (!p.returns_rows())
      throw SqlError("0A000", "the table API runs statements that return rows (a query)");
    if (p.parameter_count() != parameters.size())
      throw SqlError("42P02", "the statement has " + std::to_string(p.parameter_count()) +
                                  " parameters; the table API binds none for POST /api/sql");
    if (format == ResultFormat::kParquet) {
      if (p.kind() != engine::StatementKind::kSelect)
        throw SqlError("0A000", "Parquet results are for queries (SELECT, VALUES, FROM ...)");
      if (ctx.export_folder.empty()) throw SqlError("0A000", "this server does not write Parquet results");
      r->parquet.emplace(r->con, ctx.export_folder, sql, parameters);
      return r;
    }
    bool direct = true;
    for (std::size_t c = 0; c < p.column_count(); ++c) {
      r->names.push_back(p.column_name(c));
      r->types.push_back(p.column_type(c));
      direct = direct && readable_directly(r->types.back());
    }
    std::optional<engine::PreparedStatement> as_text;
    if (!direct) {  // nested types and the like: DuckDB's text, as the wire server sends them
      if (p.kind() != engine::StatementKind::kSelect)
        throw SqlError("0A000", "this statement returns a type the table API can send only from a SELECT");
      as_text = r->con.prepare("SELECT COLUMNS(*)::VARCHAR FROM (\n" + sql + "\n) AS pond_q");
    }
    engine::PreparedStatement& run_this = as_text ? *as_text : p;
    for (std::size_t i = 0; i < parameters.size(); ++i) run_this.bind(i + 1, std::string_view(parameters[i]));
    r->result = run_this.execute();
  } catch (const SqlError& e) {
    throw http::Error(http_status(e.code()), std::string(e.code()) + ": " + e.what());
  } catch (const engine::EngineError& e) {
    std::string code = sqlstate_of(e.what(), e.interrupted());
    throw http::Error(http_status(code),
                      code + ": " + (role.admin ? e.what() : without_statement_excerpt(e.what())));
  }
  return r;
}

http::StreamedResponse stream(const std::shared_ptr<Running>& running, ResultFormat format) {
  http::StreamedResponse out;
  out.content_type = content_type(format);
  out.produce = [running, format](const std::function<bool(std::string_view)>& write) {
    if (running->parquet)
      running->parquet->stream(write);
    else
      write_result(*running->result, running->names, running->types, format, write);
  };
  return out;
}

struct Api {
  ServerContext& ctx;

  // The user a request acts for ("" in trust mode, where the http layer admits loopback only).
  std::string authenticate(const http::Request& req) const {
    if (ctx.auth.trust_loopback) return {};
    std::string header = req.header("authorization");
    std::optional<std::string> user;
    if (header.rfind("Bearer ", 0) == 0) user = ctx.auth.users->current()->token_user(header.substr(7));
    if (!user)
      throw http::Error(401,
                        header.empty() ? "this API needs a bearer token" : "the bearer token is not valid",
                        "send 'Authorization: Bearer TOKEN' with a token from `pond serve --new-token NAME`")
          .with_header("WWW-Authenticate", "Bearer realm=\"pond\"");
    return *user;
  }

  http::StreamedResponse table(const http::Request& req) {
    std::string user = authenticate(req);
    ResultFormat format = negotiate_format(req.header("accept"));
    std::string name = req.captures.at(0);
    std::optional<std::string> schema;
    if (auto dot = name.find('.'); dot != std::string::npos) {
      schema = name.substr(0, dot);
      name = name.substr(dot + 1);
    }
    engine::Connection con(ctx.db);
    ctx.views->refresh();
    auto find = con.prepare(
        "SELECT l.schema_name, c.column_name FROM pond_catalog.lake_tables l JOIN information_schema.columns "
        "c "
        "ON c.table_schema = l.schema_name AND c.table_name = l.table_name "
        "WHERE l.table_name = ? AND (? IS NULL OR l.schema_name = ?) ORDER BY l.schema_name, "
        "c.ordinal_position");
    find.bind(1, std::string_view(name));
    if (schema) {
      find.bind(2, std::string_view(*schema));
      find.bind(3, std::string_view(*schema));
    } else {
      find.bind_null(2);
      find.bind_null(3);
    }
    std::string found_schema;
    std::vector<std::string> columns;
    for (const auto& row : find.execute().rows_as_text()) {
      if (found_schema.empty()) found_schema = *row[0];
      if (*row[0] != found_schema)
        throw http::Error(400, "table '" + name + "' is in several schemas",
                          "name it as SCHEMA.TABLE, e.g. " + found_schema + "." + name);
      columns.push_back(*row[1]);
    }
    if (columns.empty())
      throw http::Error(404, "no lake table '" + req.captures.at(0) + "'",
                        "GET /api/schema lists the tables");
    TableQuery q = build_table_query(found_schema, name, columns, req.query);
    log::debug("serve http: {} reads {}.{}", user.empty() ? "(local)" : user, found_schema, name);
    return stream(run(ctx, user, q.sql, q.parameters, format), format);
  }

  http::StreamedResponse sql(const http::Request& req) {
    std::string user = authenticate(req);
    ResultFormat format = negotiate_format(req.header("accept"));
    std::string text = req.body;
    if (req.header("content-type").rfind("application/json", 0) == 0) {
      auto j = nlohmann::json::parse(req.body, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("sql") || !j["sql"].is_string())
        throw http::Error(400, "a JSON body must be {\"sql\": \"...\"}",
                          "or send the SQL itself as text/plain");
      text = j["sql"].get<std::string>();
    }
    std::vector<std::string> parts = split_statements(text);
    if (parts.empty()) throw http::Error(400, "the body holds no SQL statement", "e.g. select 1");
    if (parts.size() > 1) throw http::Error(400, "the body holds several statements; send one per request");
    log::debug("serve http: {} runs a statement", user.empty() ? "(local)" : user);
    return stream(run(ctx, user, parts[0], {}, format), format);
  }

  http::Response schema(const http::Request& req) {
    std::string user = authenticate(req);
    engine::Connection con(ctx.db);
    ctx.views->refresh();
    const RolePolicy& role = ctx.views->policies()->role_of(user);
    // A role sees the tables it may read (pond_catalog.role_sees, as in its catalog).
    auto list = con.prepare(
        "SELECT l.schema_name, l.table_name, c.column_name, c.data_type, c.is_nullable "
        "FROM pond_catalog.lake_tables l JOIN information_schema.columns c "
        "ON c.table_schema = l.schema_name AND c.table_name = l.table_name "
        "WHERE ? OR pond_catalog.role_sees(?, l.schema_name, l.table_name) "
        "ORDER BY l.schema_name, l.table_name, c.ordinal_position");
    list.bind(1, role.admin);
    list.bind(2, std::string_view(role.name));
    auto rows = list.execute().rows_as_text();
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& row : rows) {
      if (tables.empty() || tables.back()["schema"] != *row[0] || tables.back()["name"] != *row[1])
        tables.push_back({{"schema", *row[0]}, {"name", *row[1]}, {"columns", nlohmann::json::array()}});
      tables.back()["columns"].push_back(
          {{"name", *row[2]}, {"type", *row[3]}, {"nullable", *row[4] == "YES"}});
    }
    http::Response out;
    out.body =
        nlohmann::json{{"tables", tables}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return out;
  }
};

}  // namespace

void add_table_api(http::Server& server, ServerContext& ctx) {
  auto api = std::make_shared<Api>(Api{ctx});
  server.get_streamed(R"(/api/tables/([^/]+))", [api](const http::Request& r) { return api->table(r); });
  server.post_streamed(R"(/api/sql)", [api](const http::Request& r) { return api->sql(r); });
  server.get(R"(/api/schema)", [api](const http::Request& r) { return api->schema(r); });
}

}  // namespace pond::serve
