// The PostgreSQL -> lake type mapping (ingest/postgres_types.hpp): each type's lake type, and the
// DuckDB expression run on the exact text PostgreSQL's COPY sends (with pond's session settings).
#include "ingest/postgres_types.hpp"

#include <gtest/gtest.h>

#include <map>

#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/result.hpp"

namespace pond::ingest {

namespace {

// pg_type as a fake: the built-ins the tests use, an enum, a domain and arrays.
PgType lookup(std::uint32_t oid) {
  static const std::map<std::uint32_t, PgType> types{
      {16, {16, "boolean"}},
      {17, {17, "bytea"}},
      {20, {20, "bigint"}},
      {21, {21, "smallint"}},
      {23, {23, "integer"}},
      {25, {25, "text"}},
      {114, {114, "json"}},
      {700, {700, "real"}},
      {701, {701, "double precision"}},
      {869, {869, "inet"}},
      {1042, {1042, "character"}},
      {1082, {1082, "date"}},
      {1083, {1083, "time without time zone"}},
      {1114, {1114, "timestamp without time zone"}},
      {1184, {1184, "timestamp with time zone"}},
      {1186, {1186, "interval"}},
      {1700, {1700, "numeric"}},
      {2950, {2950, "uuid"}},
      {3802, {3802, "jsonb"}},
      {1007, {1007, "integer[]", 'b', 23}},
      {1231, {1231, "numeric[]", 'b', 1700}},
      {1182, {1182, "date[]", 'b', 1082}},
      {1001, {1001, "bytea[]", 'b', 17}},
      {3807, {3807, "jsonb[]", 'b', 3802}},
      {1040, {1040, "inet[]", 'b', 869}},
      {90001, {90001, "mood", 'e'}},
      {90002, {90002, "mood[]", 'b', 90001}},
      {90003, {90003, "positive", 'd', 0, 23, -1}},
      {90004, {90004, "money_domain", 'd', 0, 1700, (12 << 16 | 2) + 4}},
      {90005, {90005, "pair", 'c'}},
  };
  return types.at(oid);
}

std::int32_t numeric_typmod(int p, int s) {
  return ((p << 16) | (s & 0x7ff)) + 4;
}

class PostgresTypes : public ::testing::Test {
 protected:
  PostgresTypes() : db_(engine::Database::open(":memory:")), con_(db_) {}

  // The lake type and value (as VARCHAR) of a column of `oid` whose COPY text is `text`.
  std::string land(std::uint32_t oid, std::int32_t typmod, const std::string& text) {
    PgColumnMapping m = map_postgres_column("c", oid, typmod, lookup);
    std::string input = "CAST(" + quote_literal(text) + " AS " + m.csv_type + ")";
    std::string value = m.duck_expr;
    for (auto at = value.find("{}"); at != std::string::npos; at = value.find("{}"))
      value.replace(at, 2, input);
    engine::Result r = con_.query("SELECT typeof(v), CAST(v AS VARCHAR) FROM (SELECT " + value + " AS v)");
    auto chunk = r.next_chunk();
    return chunk->get<std::string>(0, 0) + " " + chunk->get<std::string>(1, 0);
  }

  engine::Database db_;
  engine::Connection con_;
};

TEST_F(PostgresTypes, ScalarsLandAsTheirLakeTypesWithTheirExactValues) {
  EXPECT_EQ(land(16, -1, "t"), "BOOLEAN true");
  EXPECT_EQ(land(21, -1, "-32768"), "SMALLINT -32768");
  EXPECT_EQ(land(20, -1, "9223372036854775807"), "BIGINT 9223372036854775807");
  EXPECT_EQ(land(700, -1, "NaN"), "FLOAT nan");
  EXPECT_EQ(land(701, -1, "0.30000000000000004"), "DOUBLE 0.30000000000000004");
  EXPECT_EQ(land(701, -1, "-Infinity"), "DOUBLE -inf");
  EXPECT_EQ(land(1700, numeric_typmod(12, 2), "1234567890.12"), "DECIMAL(12,2) 1234567890.12");
  EXPECT_EQ(land(1700, numeric_typmod(38, 10), "1234567890123456789012345678.0123456789"),
            "DECIMAL(38,10) 1234567890123456789012345678.0123456789");
  EXPECT_EQ(land(1082, -1, "2024-02-29"), "DATE 2024-02-29");
  EXPECT_EQ(land(1082, -1, "0044-03-15 BC"), "DATE 0044-03-15 (BC)");
  EXPECT_EQ(land(1083, -1, "23:59:59.999999"), "TIME 23:59:59.999999");
  EXPECT_EQ(land(1114, -1, "2024-01-31 12:34:56.789012"), "TIMESTAMP 2024-01-31 12:34:56.789012");
  EXPECT_EQ(land(1184, -1, "2024-06-01 08:00:00+00"), "TIMESTAMP WITH TIME ZONE 2024-06-01 08:00:00+00");
  EXPECT_EQ(land(1186, -1, "1 year 2 mons -3 days +04:05:06.5"),
            "INTERVAL 1 year 2 months -3 days 04:05:06.5");
  EXPECT_EQ(land(1186, -1, "-1 days +02:00:00"), "INTERVAL -1 day 02:00:00");
  EXPECT_EQ(land(17, -1, "\\x00ff10"), "BLOB \\x00\\xFF\\x10");
  EXPECT_EQ(land(17, -1, "\\x"), "BLOB ");
  EXPECT_EQ(land(2950, -1, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "UUID a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(land(3802, -1, "{\"a\": [1, 2]}"), "JSON {\"a\": [1, 2]}");
  EXPECT_EQ(land(1042, -1, "ab  "), "VARCHAR ab  ");
}

TEST_F(PostgresTypes, ArraysBecomeListsExactly) {
  EXPECT_EQ(land(1007, -1, "[\"1\",null,\"3\"]"), "INTEGER[] [1, NULL, 3]");
  EXPECT_EQ(land(1231, numeric_typmod(20, 5), "[\"12345678901234.56789\",\"-0.00001\"]"),
            "DECIMAL(20,5)[] [12345678901234.56789, -0.00001]");
  EXPECT_EQ(land(1182, -1, "[\"2024-01-01\",\"0044-03-15 BC\"]"), "DATE[] [2024-01-01, '0044-03-15 (BC)']");
  EXPECT_EQ(land(1001, -1, "[\"\\\\x0102\"]"), "BLOB[] [\\x01\\x02]");
  EXPECT_EQ(land(3807, -1, "[{\"a\":1},[2]]"), "JSON[] [{\"a\":1}, [2]]");
  EXPECT_EQ(land(90002, -1, "[\"sad\",\"ok\"]"), "VARCHAR[] [sad, ok]");
  EXPECT_EQ(land(1007, -1, "[]"), "INTEGER[] []");
  EXPECT_THROW(land(1007, -1, "[[\"1\",\"2\"],[\"3\",\"4\"]]"), std::exception) << "multi-dimensional";
  PgColumnMapping m = map_postgres_column("c", 1007, -1, lookup);
  EXPECT_EQ(m.pg_expr, "array_to_json(\"c\"::text[])");
  EXPECT_EQ(map_postgres_column("c", 3807, -1, lookup).pg_expr, "array_to_json(\"c\")");
}

TEST_F(PostgresTypes, EnumsDomainsAndTextFallbacks) {
  EXPECT_EQ(land(90001, -1, "happy"), "VARCHAR happy");
  EXPECT_EQ(land(90003, -1, "7"), "INTEGER 7");                          // a domain: its base type
  EXPECT_EQ(land(90004, -1, "12.50"), "DECIMAL(12,2) 12.50");            // with its base's typmod
  PgColumnMapping free = map_postgres_column("free", 1700, -1, lookup);  // numeric without (p,s)
  EXPECT_TRUE(free.as_text);
  EXPECT_EQ(free.duck_type, "VARCHAR");
  PgColumnMapping wide = map_postgres_column("wide", 1700, numeric_typmod(50, 2), lookup);
  EXPECT_TRUE(wide.as_text);
  EXPECT_EQ(wide.pg_type, "numeric(50,2)");
  EXPECT_TRUE(map_postgres_column("a", 869, -1, lookup).as_text);    // inet
  EXPECT_TRUE(map_postgres_column("a", 1040, -1, lookup).as_text);   // inet[]
  EXPECT_TRUE(map_postgres_column("a", 90005, -1, lookup).as_text);  // a composite
  EXPECT_EQ(map_postgres_column("we\"ird", 23, -1, lookup).pg_expr, "\"we\"\"ird\"");
}

}  // namespace

}  // namespace pond::ingest
