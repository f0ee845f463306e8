// Binary result values (pg_binary) against PostgreSQL's documented encodings, and binary numeric
// parameters (pg_types) read back from them; the session's client settings (client_settings).
#include "serve/pg_binary.hpp"

#include <gtest/gtest.h>

#include "serve/client_settings.hpp"
#include "serve/pg_types.hpp"
#include "serve/sql_error.hpp"

namespace pond::serve {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b) out += static_cast<char>(c);
  return out;
}

TEST(PgBinaryTest, IntegersAndFloatsAreBigEndian) {
  EXPECT_EQ(binary_value(23, "-2"), bytes({0xff, 0xff, 0xff, 0xfe}));
  EXPECT_EQ(binary_value(20, "258"), bytes({0, 0, 0, 0, 0, 0, 1, 2}));
  EXPECT_EQ(binary_value(21, "7"), bytes({0, 7}));
  EXPECT_EQ(binary_value(701, "1.5"), bytes({0x3f, 0xf8, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(binary_value(16, "t"), bytes({1}));
  EXPECT_THROW(binary_value(23, "x"), SqlError);
}

TEST(PgBinaryTest, DatesAndTimestampsCountFrom2000) {
  EXPECT_EQ(binary_value(1082, "2000-01-02"), bytes({0, 0, 0, 1}));
  EXPECT_EQ(binary_value(1082, "1999-12-31"), bytes({0xff, 0xff, 0xff, 0xff}));
  // 2000-01-01 00:00:01.5 = 1,500,000 us = 0x16E360
  EXPECT_EQ(binary_value(1114, "2000-01-01 00:00:01.5"), bytes({0, 0, 0, 0, 0, 0x16, 0xe3, 0x60}));
  EXPECT_EQ(binary_value(1184, "2000-01-01 01:00:01.5+01"), binary_value(1114, "2000-01-01 00:00:01.5"));
}

TEST(PgBinaryTest, NumericRoundTripsThroughTheParameterDecoder) {
  for (const char* v : {"12.25", "-0.0012", "10000", "0", "123456789.000100", "-5", "0.5"})
    EXPECT_EQ(binary_parameter_text(1700, binary_value(1700, v)), v) << v;
  // 12.25: 2 digits, weight 0, positive, dscale 2, digits 12 and 2500
  EXPECT_EQ(binary_value(1700, "12.25"), bytes({0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x09, 0xc4}));
}

TEST(PgBinaryTest, UnsupportedTypesAreRefused) {
  EXPECT_FALSE(binary_result_supported(1186));
  EXPECT_THROW(binary_value(1186, "1 day"), SqlError);
}

TEST(ClientSettingsTest, KeepsWhatDuckDbLacksAsVariables) {
  auto set = client_setting_statement("SET extra_float_digits = 3");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->sql, "SET VARIABLE pond_pg_extra_float_digits = '3'");
  EXPECT_EQ(set->tag, "SET");
  auto show = client_setting_statement("show timezone;");
  ASSERT_TRUE(show);
  EXPECT_EQ(show->tag, "SHOW");
  EXPECT_FALSE(client_setting_statement("SET threads = 4"));  // DuckDB's own: not ours
  EXPECT_FALSE(client_setting_statement("select 1"));
  EXPECT_THROW(client_setting_statement("SET DateStyle = 'German'"), SqlError);
  EXPECT_THROW(client_setting_statement("SET server_version = '9.0'"), SqlError);
}

}  // namespace
}  // namespace pond::serve
