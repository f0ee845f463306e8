// The HTTP table API's query string as SQL: identifiers quoted and checked against the table,
// values only as parameters (an injection attempt stays a value), bad input a 400; and the
// Accept header's format (406 for what is not served).
#include "serve/table_query.hpp"

#include <gtest/gtest.h>

#include "http/server.hpp"
#include "serve/result_writer.hpp"

namespace pond::serve {
namespace {

const std::vector<std::string> kColumns = {"id", "name", "weird \"col\""};

TableQuery build(std::multimap<std::string, std::string> q) {
  return build_table_query("main", "t", kColumns, q);
}

int status_of(std::multimap<std::string, std::string> q) {
  try {
    build(std::move(q));
  } catch (const http::Error& e) {
    return e.status();
  }
  return 200;
}

TEST(TableQuery, PlainSelect) {
  EXPECT_EQ(build({}).sql, R"(SELECT * FROM "main"."t")");
}

TEST(TableQuery, ColumnsFiltersSortLimitOffset) {
  auto q = build({{"columns", "id,name"},
                  {"filter[id]gt", "5"},
                  {"filter[name]like", "A%"},
                  {"filter[id]in", "7,8,9"},
                  {"sort", "name,-id"},
                  {"limit", "10"},
                  {"offset", "20"}});
  EXPECT_EQ(q.sql,
            R"(SELECT "id", "name" FROM "main"."t" WHERE "id" > ? AND "id" IN (?, ?, ?) AND "name" LIKE ?)"
            R"( ORDER BY "name" ASC, "id" DESC LIMIT 10 OFFSET 20)");
  EXPECT_EQ(q.parameters, (std::vector<std::string>{"5", "7", "8", "9", "A%"}));
}

TEST(TableQuery, EveryOperator) {
  const std::pair<const char*, const char*> ops[] = {{"", "="},    {"eq", "="}, {"ne", "<>"}, {"lt", "<"},
                                                     {"le", "<="}, {"gt", ">"}, {"ge", ">="}};
  for (auto [op, sql] : ops) {
    auto q = build({{std::string("filter[id]") + op, "1"}});
    EXPECT_EQ(q.sql, std::string(R"(SELECT * FROM "main"."t" WHERE "id" )") + sql + " ?") << op;
  }
}

TEST(TableQuery, ValuesAreNeverSpliced) {
  auto q = build({{"filter[name]eq", "x' OR 1=1 --"}});
  EXPECT_EQ(q.sql, R"(SELECT * FROM "main"."t" WHERE "name" = ?)");
  EXPECT_EQ(q.parameters, std::vector<std::string>{"x' OR 1=1 --"});
  // A column whose name needs quoting is quoted, its inner quotes doubled.
  EXPECT_EQ(build({{"columns", "weird \"col\""}}).sql, R"(SELECT "weird ""col""" FROM "main"."t")");
}

TEST(TableQuery, BadInputIs400) {
  EXPECT_EQ(status_of({{"columns", "id,nope"}}), 400);
  EXPECT_EQ(status_of({{"columns", "id; drop table t"}}), 400);
  EXPECT_EQ(status_of({{"sort", "-nope"}}), 400);
  EXPECT_EQ(status_of({{"filter[nope]eq", "1"}}), 400);
  EXPECT_EQ(status_of({{"filter[id]between", "1"}}), 400);
  EXPECT_EQ(status_of({{"filter[id", "1"}}), 400);
  EXPECT_EQ(status_of({{"limit", "-1"}}), 400);
  EXPECT_EQ(status_of({{"limit", "10 union select 1"}}), 400);
  EXPECT_EQ(status_of({{"offset", ""}}), 400);
  EXPECT_EQ(status_of({{"where", "1=1"}}), 400);
}

TEST(ResultFormat, AcceptNegotiation) {
  EXPECT_EQ(negotiate_format(""), ResultFormat::kJson);
  EXPECT_EQ(negotiate_format("*/*"), ResultFormat::kJson);
  EXPECT_EQ(negotiate_format("application/json"), ResultFormat::kJson);
  EXPECT_EQ(negotiate_format("text/csv"), ResultFormat::kCsv);
  EXPECT_EQ(negotiate_format("text/csv;q=0.9, application/json"), ResultFormat::kCsv);
  EXPECT_EQ(negotiate_format("application/xml, text/csv"), ResultFormat::kCsv);
  EXPECT_EQ(negotiate_format("application/vnd.apache.parquet"), ResultFormat::kParquet);
  EXPECT_EQ(negotiate_format("application/xml, application/x-parquet;q=0.5"), ResultFormat::kParquet);
  EXPECT_EQ(content_type(ResultFormat::kParquet), "application/vnd.apache.parquet");
  try {
    negotiate_format("application/vnd.apache.arrow.stream");
    FAIL();
  } catch (const http::Error& e) {
    EXPECT_EQ(e.status(), 406);
    EXPECT_NE(std::string(e.what()).find("Arrow IPC"), std::string::npos);
  }
  EXPECT_THROW(negotiate_format("application/xml"), http::Error);
}

}  // namespace
}  // namespace pond::serve
