#include "serve/catalog_compat.hpp"

#include <cctype>
#include <regex>

#include "common/text.hpp"

namespace pond::serve {

namespace {

// Objects of pond_catalog that replace pg_catalog's of the same name in clients' queries.
constexpr const char* kSetup = R"sql(
CREATE SCHEMA IF NOT EXISTS pond_catalog;
CREATE TABLE IF NOT EXISTS pond_catalog.lake_tables (schema_name VARCHAR, table_name VARCHAR);
CREATE OR REPLACE MACRO pond_catalog.pg_get_userbyid(id) AS 'pond';
CREATE OR REPLACE MACRO pond_catalog.pg_get_expr(e, r) AS pg_catalog.pg_get_expr(e, r),
                                                 (e, r, pretty) AS pg_catalog.pg_get_expr(e, r);
CREATE TABLE IF NOT EXISTS pond_catalog.pg_policy (oid BIGINT, polname VARCHAR, polrelid BIGINT, polcmd VARCHAR,
  polpermissive BOOLEAN, polroles BIGINT[], polqual VARCHAR, polwithcheck VARCHAR);
CREATE TABLE IF NOT EXISTS pond_catalog.pg_statistic_ext (oid BIGINT, stxrelid BIGINT, stxnamespace BIGINT,
  stxname VARCHAR, stxkind VARCHAR[], stxstattarget INTEGER);
CREATE OR REPLACE MACRO pond_catalog.pg_get_statisticsobjdef_columns(id) AS NULL::VARCHAR;
CREATE TABLE IF NOT EXISTS pond_catalog.pg_publication (oid BIGINT, pubname VARCHAR, puballtables BOOLEAN,
  pubinsert BOOLEAN, pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN);
CREATE TABLE IF NOT EXISTS pond_catalog.pg_publication_rel (oid BIGINT, prpubid BIGINT, prrelid BIGINT,
  prqual VARCHAR, prattrs SMALLINT[]);
CREATE TABLE IF NOT EXISTS pond_catalog.pg_publication_namespace (oid BIGINT, pnpubid BIGINT, pnnspid BIGINT);
CREATE TABLE IF NOT EXISTS pond_catalog.pg_inherits (inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER,
  inhdetachpending BOOLEAN);
CREATE OR REPLACE MACRO pond_catalog.pg_relation_is_publishable(id) AS false;
CREATE OR REPLACE MACRO pond_catalog.pg_encoding_to_char(e) AS 'UTF8';
CREATE OR REPLACE VIEW pond_catalog.pg_database AS
  SELECT oid, datname, 10::BIGINT AS datdba, 6 AS encoding, 'C' AS datcollate, 'C' AS datctype,
         NULL::VARCHAR AS daticulocale, 'c' AS datlocprovider, NULL::VARCHAR[] AS datacl, datallowconn,
         datistemplate, -1 AS datconnlimit
  FROM pg_catalog.pg_database WHERE datname NOT IN ('system', 'temp');
CREATE OR REPLACE VIEW pond_catalog.pg_namespace AS
  SELECT * FROM pg_catalog.pg_namespace WHERE nspname <> 'pond_catalog';
CREATE OR REPLACE MACRO pond_catalog.array_upper(a, dim) AS len(a);
CREATE OR REPLACE VIEW pond_catalog.pg_roles AS
  SELECT 10::BIGINT AS oid, 'pond' AS rolname, false AS rolsuper, true AS rolinherit, false AS rolcreaterole,
         false AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit,
         NULL::TIMESTAMP AS rolvaliduntil, false AS rolbypassrls, NULL::VARCHAR[] AS rolconfig;
CREATE OR REPLACE VIEW pond_catalog.pg_class AS
  SELECT * REPLACE (
    CASE WHEN c.relkind = 'v' AND EXISTS (
           SELECT 1 FROM pond_catalog.lake_tables l, pg_catalog.pg_namespace n
           WHERE n.oid = c.relnamespace AND l.schema_name = n.nspname AND l.table_name = c.relname)
         THEN 'r' ELSE c.relkind END AS relkind),
    false AS relforcerowsecurity
  FROM pg_catalog.pg_class c
  WHERE c.relnamespace NOT IN (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pond_catalog');
)sql";

const std::regex& overridden() {
  static const std::regex re(
      R"(\bpg_catalog\s*\.\s*(pg_class|pg_get_userbyid|pg_get_expr|pg_policy|pg_roles|pg_statistic_ext|pg_get_statisticsobjdef_columns|pg_publication|pg_publication_rel|pg_publication_namespace|pg_inherits|pg_relation_is_publishable|array_upper|pg_encoding_to_char|pg_namespace|pg_database)\b)",
      std::regex::icase);
  return re;
}
const std::regex& operator_syntax() {
  static const std::regex re(R"(OPERATOR\s*\(\s*pg_catalog\s*\.\s*([~!<>=*+\-/%^|&#@]+)\s*\))",
                             std::regex::icase);
  return re;
}
// Casts to pg_catalog types: DuckDB knows the types but not the qualified names.
const std::regex& qualified_cast() {
  static const std::regex re(
      R"(::\s*pg_catalog\s*\.\s*(text|name|regtype|regclass|regproc|regnamespace|oid|int2|int4|int8|bool|"char"|char|varchar)\b)",
      std::regex::icase);
  return re;
}

std::string cast_target(const std::string& type) {
  if (type == "oid") return "::BIGINT";
  if (type == "int2" || type == "int4" || type == "int8" || type == "bool") return "::" + type;
  return "::VARCHAR";  // text, name, "char", and the reg* types (no oid lookups yet)
}

const std::regex& collate_default() {
  static const std::regex re(R"(\s+COLLATE\s+pg_catalog\s*\.\s*"?default"?)", std::regex::icase);
  return re;
}

}  // namespace

CatalogCompat::CatalogCompat(engine::Connection& con) {
  con.execute(kSetup);
  auto rows =
      con.query("SELECT DISTINCT function_name FROM duckdb_functions() WHERE schema_name = 'pg_catalog'")
          .rows_as_text();
  for (const auto& r : rows)
    if (r[0]) duckdb_pg_functions_.insert(*r[0]);
}

void record_lake_tables(engine::Connection& con,
                        const std::vector<std::pair<std::string, std::string>>& tables) {
  con.execute("DELETE FROM pond_catalog.lake_tables");
  if (tables.empty()) return;
  std::string sql = "INSERT INTO pond_catalog.lake_tables VALUES ";
  for (std::size_t i = 0; i < tables.size(); ++i)
    sql += (i ? ", (" : "(") + quote_literal(tables[i].first) + ", " + quote_literal(tables[i].second) + ")";
  con.execute(sql);
}

std::string CatalogCompat::rewrite(std::string_view sql) const {
  std::string out(sql);
  if (out.find("pg_catalog") == std::string::npos && out.find("PG_CATALOG") == std::string::npos) return out;
  out = std::regex_replace(out, operator_syntax(), "$1");
  // psql's \d publication query names a generate_series row `s` and indexes with it: give
  // the column that name too (DuckDB would take `s` as the whole row).
  static const std::regex series_alias(R"(\)\)\s+s,(\s+pg_catalog\.pg_attribute\b))");
  out = std::regex_replace(out, series_alias, ")) s(s),$1");
  out = std::regex_replace(out, collate_default(), "");
  out = std::regex_replace(out, overridden(), "pond_catalog.$1");
  std::string cast_out;
  auto begin = std::sregex_iterator(out.begin(), out.end(), qualified_cast());
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    std::string type = (*it)[1].str();
    for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    cast_out += out.substr(last, static_cast<std::size_t>(it->position()) - last) + cast_target(type);
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  out = cast_out + out.substr(last);
  // pg_catalog.f(...) for a function DuckDB has only unqualified (array_to_string, ...).
  static const std::regex call(R"(\bpg_catalog\s*\.\s*(\w+)\s*\()", std::regex::icase);
  std::string call_out;
  last = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), call); it != std::sregex_iterator(); ++it) {
    std::string name = (*it)[1].str();
    call_out += out.substr(last, static_cast<std::size_t>(it->position()) - last);
    call_out += duckdb_pg_functions_.count(name) ? it->str() : name + "(";
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  out = call_out + out.substr(last);
  return out;
}

}  // namespace pond::serve
