// pond.yml `ingest:` resources with `from: postgres` (docs/ingest.md "PostgreSQL"): the
// connection, a table or a query, and the incremental cursor, read strictly. The password comes
// from an environment variable only (`password: "${PG_PASSWORD}"`, or libpq's own PGPASSWORD and
// ~/.pgpass): a password written in pond.yml is an error.
#include <cctype>
#include <nlohmann/json.hpp>

#include "ingest/postgres_source.hpp"
#include "ingest/resource.hpp"
#include "orchestrate/config_reader_internal.hpp"

namespace pond::orchestrate {

namespace {

// `schema.table` as written in SQL: names (quoted or not) joined by dots, nothing else.
bool sql_table_name(const std::string& s) {
  bool quoted = false, part_empty = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (quoted) {
      if (ch == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        ++i;
      } else if (ch == '"') {
        quoted = false;
      }
      part_empty = false;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == '.') {
      if (part_empty) return false;
      part_empty = true;
    } else if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$') {
      part_empty = false;
    } else {
      return false;
    }
  }
  return !quoted && !part_empty;
}

}  // namespace

void read_postgres_source(const Reader& r, const YamlNode& n, ingest::ResourceConfig& res) {
  ingest::PostgresSource& pg = res.postgres;
  const std::string& name = res.name;
  if (!n["connection"])
    r.fail(
        n, "ingest resource '" + name + "' (from: postgres) needs 'connection:'",
        "e.g. connection: \"postgresql://app@db.example.com:5432/shop\" (a libpq connection string or URL)");
  pg.connection = env_value(r, n["connection"], "'connection:'");
  if (ingest::conninfo_has_literal_password(pg.connection))
    r.fail(n["connection"],
           "'connection:' holds a password: it must come from an environment variable, not pond.yml",
           "remove it and add password: \"${PG_PASSWORD}\" (or set PGPASSWORD, or use ~/.pgpass)");
  if (const auto& v = n["password"]) pg.password = env_value(r, v, "'password:'", true);
  if (n["source_table"] && n["query"])
    r.fail(n["query"], "ingest resource '" + name + "': 'source_table:' or 'query:', not both");
  if (const auto& v = n["source_table"]) {
    pg.source_table = r.name(v, "'source_table:'");
    if (!sql_table_name(pg.source_table))
      r.fail(
          v,
          "'source_table:' must be a table name as written in SQL (schema.table), not '" + pg.source_table +
              "'",
          "e.g. source_table: public.orders (quote mixed-case names: '\"Sales\".\"Orders\"'); or use query:");
  } else if (const auto& q = n["query"]) {
    pg.query = r.name(q, "'query:'");
  } else {
    r.fail(n, "ingest resource '" + name + "' (from: postgres) needs 'source_table:' or 'query:'",
           "e.g. source_table: public.orders, or query: \"select id, total from orders where not test\"");
  }
  if (const auto& v = n["parallel"]) {
    if (!v.is_map() || !v["connections"] || !v["key"])
      r.fail(v, "'parallel:' needs 'connections:' and 'key:' (an integer column whose range is split)",
             "e.g. parallel: {connections: 4, key: id}");
    r.keys(v, "'parallel:'", {"connections", "key"});
    pg.parallel = static_cast<int>(r.integer(v["connections"], "'parallel: connections:'", 1, 32));
    pg.parallel_key = r.name(v["key"], "'parallel: key:'");
  }
  // replace reads everything each time; append and merge read everything unless a cursor says otherwise.
  res.incremental = ingest::Incremental::kNone;
  if (const auto& v = n["incremental"]) {
    if (v.is_scalar() && v.scalar == "none") return;
    if (!v.is_map())
      r.fail(v, "'incremental:' of a PostgreSQL resource is none or {cursor: ..., initial: ...}",
             "e.g. incremental: {cursor: updated_at, initial: \"2024-01-01\"}");
    pg.incremental = read_cursor_incremental(r, v, res, "the table or query");
    res.incremental = ingest::Incremental::kCursor;
  }
}

}  // namespace pond::orchestrate
