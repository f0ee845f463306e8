#include "ingest/postgres_types.hpp"

#include <optional>

#include "common/text.hpp"

namespace pond::ingest {

namespace {

// Built-in type OIDs (pg_type.dat); they never change.
enum : std::uint32_t {
  kBool = 16,
  kBytea = 17,
  kChar = 18,
  kName = 19,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kText = 25,
  kOid = 26,
  kJson = 114,
  kFloat4 = 700,
  kFloat8 = 701,
  kBpchar = 1042,
  kVarchar = 1043,
  kDate = 1082,
  kTime = 1083,
  kTimestamp = 1114,
  kTimestamptz = 1184,
  kInterval = 1186,
  kTimetz = 1266,
  kNumeric = 1700,
  kUuid = 2950,
  kJsonb = 3802,
};

// A scalar's mapping: the type read_csv parses PostgreSQL's text as, and how DuckDB finishes it.
struct Scalar {
  std::string csv_type;
  std::string duck_expr = "{}";
  std::string duck_type;  // empty: csv_type
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// numeric(p,s): typmod = ((p << 16) | (s & 0x7ff)) + 4; a scale below 0 (PostgreSQL 15) is
// sign-extended from 11 bits.
std::optional<Scalar> numeric(std::int32_t typmod, std::string& pg_type) {
  if (typmod < 4) return std::nullopt;  // unconstrained: any precision
  int p = ((typmod - 4) >> 16) & 0xffff;
  int s = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
  pg_type = "numeric(" + std::to_string(p) + "," + std::to_string(s) + ")";
  if (p < 1 || p > 38 || s < 0 || s > p) return std::nullopt;  // DuckDB's DECIMAL: p <= 38, 0 <= s <= p
  std::string t = "DECIMAL(" + std::to_string(p) + "," + std::to_string(s) + ")";
  return Scalar{t, "{}", t};
}

// The mapping of a base type the lake holds faithfully, or nullopt (PostgreSQL's text instead).
std::optional<Scalar> scalar(std::uint32_t oid, std::int32_t typmod, std::string& pg_type) {
  switch (oid) {
    case kBool:
      return Scalar{"BOOLEAN"};  // 't' / 'f'
    case kInt2:
      return Scalar{"SMALLINT"};
    case kInt4:
      return Scalar{"INTEGER"};
    case kInt8:
      return Scalar{"BIGINT"};
    case kOid:
      return Scalar{"BIGINT"};  // unsigned 32 bits
    case kFloat4:
      return Scalar{"FLOAT"};  // 'NaN', 'Infinity' parse; extra_float_digits = 3: exact
    case kFloat8:
      return Scalar{"DOUBLE"};
    case kNumeric:
      return numeric(typmod, pg_type);
    case kText:
    case kVarchar:
    case kBpchar:  // char(n) keeps its padding, as PostgreSQL prints it
    case kName:
    case kChar:
      return Scalar{"VARCHAR"};
    case kUuid:
      return Scalar{"UUID"};
    case kJson:
    case kJsonb:
      return Scalar{"VARCHAR", "CAST({} AS JSON)", "JSON"};
    // DateStyle ISO: '2024-01-31', and '0044-03-15 BC', which DuckDB reads as AD unless it is
    // spelled DuckDB's way ('(BC)').
    case kDate:
      return Scalar{"VARCHAR", "CAST(replace({}, ' BC', ' (BC)') AS DATE)", "DATE"};
    case kTime:
      return Scalar{"TIME"};
    case kTimetz:
      return Scalar{"TIMETZ", "{}", "TIMETZ"};
    case kTimestamp:
      return Scalar{"TIMESTAMP"};
    case kTimestamptz:
      return Scalar{"TIMESTAMPTZ"};  // TimeZone UTC: '2024-01-31 12:00:00+00', the same instant
    // IntervalStyle postgres: '1 year 2 mons -3 days +04:05:06'; DuckDB reads it without the '+'.
    case kInterval:
      return Scalar{"VARCHAR", "CAST(replace({}, '+', '') AS INTERVAL)", "INTERVAL"};
    // bytea_output hex: '\x0102ff'.
    case kBytea:
      return Scalar{"VARCHAR", "from_hex({}[3:])", "BLOB"};
    default:
      return std::nullopt;
  }
}

// Follows domains to their base type (and its typmod).
PgType resolve(std::uint32_t oid, std::int32_t& typmod, const PgTypeLookup& lookup) {
  PgType t = lookup(oid);
  for (int depth = 0; t.kind == 'd' && t.base != 0 && depth < 16; ++depth) {
    if (typmod < 0) typmod = t.base_typmod;
    t = lookup(t.base);
  }
  return t;
}

}  // namespace

std::string pg_quote_identifier(const std::string& name) {
  return "\"" + replace_all(name, "\"", "\"\"") + "\"";
}

PgColumnMapping map_postgres_column(const std::string& name, std::uint32_t oid, std::int32_t typmod,
                                    const PgTypeLookup& lookup) {
  PgColumnMapping m;
  m.name = name;
  std::string column = pg_quote_identifier(name);
  PgType type = resolve(oid, typmod, lookup);
  m.pg_type = type.name;
  m.pg_expr = column;
  auto text = [&] {  // PostgreSQL's own text of the value
    m.csv_type = "VARCHAR";
    m.duck_expr = "{}";
    m.duck_type = "VARCHAR";
    m.as_text = true;
    return m;
  };
  if (type.kind == 'e') {  // an enum's label
    m.csv_type = m.duck_type = "VARCHAR";
    m.duck_expr = "{}";
    return m;
  }
  if (type.element != 0) {
    std::int32_t element_typmod = typmod;
    PgType element = resolve(type.element, element_typmod, lookup);
    std::string element_name = element.name;
    if (element.oid == kJson || element.oid == kJsonb) {
      // The elements are JSON values themselves.
      m.pg_expr = "array_to_json(" + column + ")";
      m.csv_type = "VARCHAR";
      m.duck_expr = "CAST(CAST({} AS JSON) AS JSON[])";
      m.duck_type = "JSON[]";
    } else {
      std::optional<Scalar> s;
      if (element.kind == 'e')
        s = Scalar{"VARCHAR"};
      else if (element.kind == 'b')
        s = scalar(element.oid, element_typmod, element_name);
      if (!s) return text();
      if (s->duck_type.empty()) s->duck_type = s->csv_type;
      // Each element as PostgreSQL's text in a JSON list of strings (exact, unlike JSON numbers),
      // then read as DuckDB reads the scalar.
      m.pg_expr = "array_to_json(" + column + "::text[])";
      m.csv_type = "VARCHAR";
      std::string list = "CAST(CAST({} AS JSON) AS VARCHAR[])";
      std::string converted = s->duck_expr != "{}" ? "list_transform(" + list + ", x -> " +
                                                         replace_all(s->duck_expr, "{}", "x") + ")"
                              : s->duck_type == "VARCHAR" ? list
                                                          : "CAST(" + list + " AS " + s->duck_type + "[])";
      // A multi-dimensional array has lists in it: a clear error, not the text of the inner lists.
      m.duck_expr = "CASE WHEN starts_with({}, '[[') THEN error(" +
                    quote_literal("column " + name + " holds a multi-dimensional array, which pond " +
                                  "does not map; select it as text (" + name + "::text)") +
                    ") ELSE " + converted + " END";
      m.duck_type = s->duck_type + "[]";
    }
    return m;
  }
  if (type.kind != 'b') return text();  // composite, range, pseudo: their text
  std::string pg_type = type.name;
  std::optional<Scalar> s = scalar(type.oid, typmod, pg_type);
  m.pg_type = pg_type;
  if (!s) return text();
  m.csv_type = s->csv_type;
  m.duck_expr = s->duck_expr;
  m.duck_type = s->duck_type.empty() ? s->csv_type : s->duck_type;
  return m;
}

}  // namespace pond::ingest
