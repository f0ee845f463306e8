#pragma once
// How a PostgreSQL column lands in DuckDB (docs/ingest.md "PostgreSQL"): what the server is asked
// to send in its `COPY ... (FORMAT csv)` text, the type DuckDB's read_csv parses that text as, and
// the DuckDB expression that turns it into the lake column's value. Pure functions of the catalog
// (pg_type), so that the mapping is unit-tested without a server.
#include <cstdint>
#include <functional>
#include <string>

namespace pond::ingest {

// One row of pg_type, as much of it as the mapping needs.
struct PgType {
  std::uint32_t oid = 0;
  std::string name;  // format_type(oid, NULL): "integer", "character varying", "mood"
  char kind = 'b';   // typtype: b base, e enum, d domain, c composite, r range, m multirange, p pseudo
  std::uint32_t element = 0;      // typelem of an array type (typcategory 'A'), else 0
  std::uint32_t base = 0;         // typbasetype of a domain
  std::int32_t base_typmod = -1;  // typtypmod of a domain
};

// The catalog: pg_type's row of an OID (a fake in tests).
using PgTypeLookup = std::function<PgType(std::uint32_t oid)>;

struct PgColumnMapping {
  std::string name;       // the column's name (PostgreSQL's and the lake's)
  std::string pg_type;    // for messages: "numeric(12,2)", "integer[]"
  std::string pg_expr;    // the value in the COPY's SELECT (the column quoted, maybe converted)
  std::string csv_type;   // the type read_csv declares for the column's text
  std::string duck_expr;  // the lake value from the read_csv column (`{}` stands for it)
  std::string duck_type;  // the lake column's type
  bool as_text = false;   // no faithful mapping: PostgreSQL's own text of the value (VARCHAR)
};

// The mapping of a column of type `oid` with type modifier `typmod` (PQftype/PQfmod).
PgColumnMapping map_postgres_column(const std::string& name, std::uint32_t oid, std::int32_t typmod,
                                    const PgTypeLookup& lookup);

// `name` as a PostgreSQL identifier ("a""b").
std::string pg_quote_identifier(const std::string& name);

}  // namespace pond::ingest
