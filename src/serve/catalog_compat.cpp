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
CREATE OR REPLACE MACRO pond_catalog.regclass_oid(name) AS (
  SELECT min(c.oid) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relname = replace(string_split(name, '.')[-1], '"', '')
    AND (len(string_split(name, '.')) = 1 OR n.nspname = replace(string_split(name, '.')[1], '"', '')));
-- pgjdbc's metadata queries expand index key arrays into (x, n) rows (PostgreSQL's set-returning
-- information_schema._pg_expandarray).
CREATE OR REPLACE MACRO pond_catalog._pg_expandarray(a) AS
  unnest(list_transform(range(1, len(a) + 1), i -> {'x': a[i], 'n': i}));
-- An index's definition (column 0) or its n-th key expression, from DuckDB's index list.
CREATE OR REPLACE MACRO pond_catalog.pg_get_indexdef(idx) AS (SELECT sql FROM duckdb_indexes() WHERE index_oid = idx),
  (idx, col, pretty) AS CASE WHEN col = 0 THEN (SELECT sql FROM duckdb_indexes() WHERE index_oid = idx)
    ELSE (SELECT string_split(trim(expressions, '[]'), ', ')[col] FROM duckdb_indexes() WHERE index_oid = idx) END;
-- The lake has no materialized views and keeps no live-tuple statistics.
CREATE OR REPLACE VIEW pond_catalog.pg_matviews AS
  SELECT NULL::VARCHAR AS schemaname, NULL::VARCHAR AS matviewname, NULL::VARCHAR AS matviewowner,
         NULL::VARCHAR AS tablespace, false AS hasindexes, false AS ispopulated, NULL::VARCHAR AS definition
  WHERE false;
CREATE OR REPLACE VIEW pond_catalog.pg_stat_user_tables AS
  SELECT NULL::BIGINT AS relid, NULL::VARCHAR AS schemaname, NULL::VARCHAR AS relname, NULL::BIGINT AS n_live_tup,
         NULL::BIGINT AS n_dead_tup
  WHERE false;
-- DuckDB's pg_settings has DuckDB's settings; clients also read PostgreSQL's compile-time limits.
CREATE OR REPLACE VIEW pond_catalog.pg_settings AS
  SELECT * FROM pg_catalog.pg_settings
  UNION ALL BY NAME
  SELECT * FROM (VALUES ('max_index_keys', '32', 'Preset Options', 'integer'),
                        ('max_identifier_length', '63', 'Preset Options', 'integer'),
                        ('block_size', '8192', 'Preset Options', 'integer'))
                 AS t(name, setting, category, vartype);
-- PostgreSQL's type of a DuckDB column type (duckdb_columns().data_type), as pond serve sends
-- it on the wire (pg_types.cpp): DuckDB's own pg_attribute gives DuckDB's type ids instead.
CREATE OR REPLACE MACRO pond_catalog.pg_type_name(t) AS CASE
  WHEN t = 'BOOLEAN' THEN 'bool'
  WHEN t IN ('TINYINT', 'SMALLINT', 'UTINYINT') THEN 'int2'
  WHEN t IN ('INTEGER', 'USMALLINT') THEN 'int4'
  WHEN t IN ('BIGINT', 'UINTEGER') THEN 'int8'
  WHEN t IN ('UBIGINT', 'HUGEINT', 'UHUGEINT', 'BIGNUM') OR t LIKE 'DECIMAL%' THEN 'numeric'
  WHEN t = 'FLOAT' THEN 'float4'
  WHEN t = 'DOUBLE' THEN 'float8'
  WHEN t = 'DATE' THEN 'date'
  WHEN t IN ('TIME', 'TIME_NS') THEN 'time'
  WHEN t = 'TIME WITH TIME ZONE' THEN 'timetz'
  WHEN t IN ('TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS') THEN 'timestamp'
  WHEN t = 'TIMESTAMP WITH TIME ZONE' THEN 'timestamptz'
  WHEN t = 'INTERVAL' THEN 'interval'
  WHEN t = 'UUID' THEN 'uuid'
  WHEN t = 'BLOB' THEN 'bytea'
  WHEN t = 'VARCHAR' THEN 'varchar'
  WHEN t = 'JSON' THEN 'json'
  ELSE 'text' END;
-- DuckDB's pg_type lacks text, name, oid, char and json, which clients join column types to.
CREATE OR REPLACE VIEW pond_catalog.pg_type AS
  SELECT * REPLACE (0::BIGINT AS typrelid, 0::BIGINT AS typelem, 0::BIGINT AS typarray, 0::BIGINT AS typbasetype)
  FROM pg_catalog.pg_type WHERE oid IS NOT NULL
  UNION ALL BY NAME
  SELECT * FROM (VALUES (25::BIGINT, 'text', -1, 'S'), (19, 'name', 64, 'S'), (26, 'oid', 4, 'N'),
                        (18, 'char', 1, 'S'), (114, 'json', -1, 'U')) AS t(oid, typname, typlen, typcategory),
                (SELECT typnamespace FROM pg_catalog.pg_type WHERE typname = 'int4'),  -- beside DuckDB's built-in types
                (SELECT 'b' AS typtype, 0 AS typowner, 0::BIGINT AS typrelid, 0::BIGINT AS typelem,
                        0::BIGINT AS typarray, false AS typbyval, true AS typisdefined, 'i' AS typalign,
                        'x' AS typstorage, false AS typnotnull, 0::BIGINT AS typbasetype, -1 AS typtypmod, 0 AS typndims,
                        false AS typispreferred);
CREATE OR REPLACE VIEW pond_catalog.pg_attribute AS
  SELECT table_oid AS attrelid, column_name AS attname,
         (SELECT t.oid FROM pond_catalog.pg_type t WHERE t.typname = pond_catalog.pg_type_name(data_type)) AS atttypid,
         0 AS attstattarget, NULL::INTEGER AS attlen, column_index AS attnum, 0 AS attndims, -1 AS attcacheoff,
         CASE WHEN data_type LIKE 'DECIMAL%' THEN ((numeric_precision << 16) | numeric_scale) + 4 ELSE -1 END
           AS atttypmod,
         false AS attbyval, 'p' AS attstorage, 'i' AS attalign, NOT is_nullable AS attnotnull,
         column_default IS NOT NULL AS atthasdef, false AS atthasmissing, '' AS attidentity, '' AS attgenerated,
         false AS attisdropped, true AS attislocal, 0 AS attinhcount, 0 AS attcollation,
         NULL::VARCHAR AS attcompression, NULL::VARCHAR[] AS attacl, NULL::VARCHAR[] AS attoptions,
         NULL::VARCHAR[] AS attfdwoptions, NULL::VARCHAR AS attmissingval
  FROM duckdb_columns();
-- information_schema.columns with PostgreSQL's type names in udt_name (Metabase's sync reads them).
CREATE OR REPLACE VIEW pond_catalog.information_schema_columns AS
  SELECT * REPLACE ('pg_catalog' AS udt_schema, pond_catalog.pg_type_name(upper(data_type)) AS udt_name,
                    coalesce(is_identity, 'NO') AS is_identity)
  FROM information_schema.columns;
-- Lake tables are views inside DuckDB: pg_tables lists them, pg_views does not; DuckDB's
-- internal views are left out.
CREATE OR REPLACE VIEW pond_catalog.pg_tables AS
  SELECT * FROM pg_catalog.pg_tables
  UNION ALL BY NAME
  SELECT schema_name AS schemaname, table_name AS tablename, 'pond' AS tableowner, NULL::INTEGER AS tablespace,
         false AS hasindexes, false AS hasrules, false AS hastriggers
  FROM pond_catalog.lake_tables
  WHERE (schema_name, table_name) NOT IN (SELECT (schemaname, tablename) FROM pg_catalog.pg_tables);
CREATE OR REPLACE VIEW pond_catalog.pg_views AS
  SELECT v.* FROM pg_catalog.pg_views v
  WHERE (v.schemaname, v.viewname) IN (SELECT (schema_name, view_name) FROM duckdb_views() WHERE NOT internal)
    AND (v.schemaname, v.viewname) NOT IN (SELECT (schema_name, table_name) FROM pond_catalog.lake_tables)
    AND v.schemaname <> 'pond_catalog';
-- PostgreSQL's format(): %s, %I (identifier, quoted when needed), %L (literal) and %%, for up to
-- three arguments (DuckDB's own format() takes {} placeholders).
CREATE OR REPLACE MACRO pond_catalog.pg_format_arg(f, k, a) AS
  CASE regexp_extract_all(f, '%[sIL]')[k]
    WHEN '%I' THEN CASE WHEN regexp_full_match(a::VARCHAR, '[a-z_][a-z0-9_$]*') THEN a::VARCHAR
                        ELSE '"' || replace(a::VARCHAR, '"', '""') || '"' END
    WHEN '%L' THEN coalesce(chr(39) || replace(a::VARCHAR, chr(39), chr(39) || chr(39)) || chr(39), 'NULL')
    ELSE coalesce(a::VARCHAR, '') END;
CREATE OR REPLACE MACRO pond_catalog.pg_format(f) AS printf(regexp_replace(f, '%[IL]', '%s', 'g')),
  (f, a) AS printf(regexp_replace(f, '%[IL]', '%s', 'g'), pond_catalog.pg_format_arg(f, 1, a)),
  (f, a, b) AS printf(regexp_replace(f, '%[IL]', '%s', 'g'), pond_catalog.pg_format_arg(f, 1, a),
                      pond_catalog.pg_format_arg(f, 2, b)),
  (f, a, b, c) AS printf(regexp_replace(f, '%[IL]', '%s', 'g'), pond_catalog.pg_format_arg(f, 1, a),
                         pond_catalog.pg_format_arg(f, 2, b), pond_catalog.pg_format_arg(f, 3, c));
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
      R"(\bpg_catalog\s*\.\s*(pg_class|pg_get_userbyid|pg_get_expr|pg_policy|pg_roles|pg_statistic_ext|pg_get_statisticsobjdef_columns|pg_publication|pg_publication_rel|pg_publication_namespace|pg_inherits|pg_relation_is_publishable|array_upper|pg_encoding_to_char|pg_namespace|pg_database|pg_matviews|pg_stat_user_tables|pg_settings|pg_type|pg_attribute|pg_get_indexdef|pg_tables|pg_views)\b)",
      std::regex::icase);
  return re;
}
// Names clients use unqualified (resolved through PostgreSQL's search path, which starts with
// pg_catalog) that pond_catalog provides: not after a dot, a word character or a quote.
const std::regex& unqualified() {
  static const std::regex re(
      R"((^|[^.\w"'])(array_upper|pg_stat_user_tables|pg_matviews|pg_settings|pg_get_indexdef|pg_tables|pg_views)\b)",
      std::regex::icase);
  return re;
}
const std::regex& information_schema_function() {
  static const std::regex re(R"(\binformation_schema\s*\.\s*(_pg_expandarray)\b)", std::regex::icase);
  return re;
}
const std::regex& information_schema_columns() {
  static const std::regex re(R"("?\binformation_schema"?\s*\.\s*"?columns\b"?)", std::regex::icase);
  return re;
}
// 'name'::regclass: the relation's oid (DuckDB has no reg* types).
const std::regex& regclass_literal() {
  static const std::regex re(R"(('(?:[^']|'')*')\s*::\s*(?:pg_catalog\s*\.\s*)?regclass\b)",
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
  const std::string lowered = to_lower(out);
  if (lowered.find("pg_") == std::string::npos && lowered.find("reg") == std::string::npos &&
      lowered.find("information_schema") == std::string::npos && lowered.find("format") == std::string::npos)
    return out;
  out = std::regex_replace(out, operator_syntax(), "$1");
  // psql's \d publication query names a generate_series row `s` and indexes with it: give
  // the column that name too (DuckDB would take `s` as the whole row).
  static const std::regex series_alias(R"(\)\)\s+s,(\s+pg_catalog\.pg_attribute\b))");
  out = std::regex_replace(out, series_alias, ")) s(s),$1");
  out = std::regex_replace(out, collate_default(), "");
  out = std::regex_replace(out, overridden(), "pond_catalog.$1");
  out = std::regex_replace(out, unqualified(), "$1pond_catalog.$2");
  out = std::regex_replace(out, information_schema_function(), "pond_catalog.$1");
  out = std::regex_replace(out, information_schema_columns(), "pond_catalog.information_schema_columns");
  out = std::regex_replace(out, regclass_literal(), "pond_catalog.regclass_oid($1)");
  // format('...%s...', ...): PostgreSQL's format (a '{' in the pattern means DuckDB's own).
  static const std::regex pg_format(R"(\bformat\s*\(\s*('[^'{]*%[sIL][^'{]*'))", std::regex::icase);
  out = std::regex_replace(out, pg_format, "pond_catalog.pg_format($1");
  // Other reg* casts give the name as text (no oid lookups for functions and types yet).
  static const std::regex reg_cast(R"(::\s*(regproc|regtype|regnamespace)\b)", std::regex::icase);
  out = std::regex_replace(out, reg_cast, "::VARCHAR");
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
