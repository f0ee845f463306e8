#include "dbt/error_location.hpp"

#include <gtest/gtest.h>

namespace pond::dbt {
namespace {

TEST(ErrorLocation, LineOfTheLastStatementInTheRunFile) {
  // Run file: "BEGIN TRANSACTION;\n\n" (lines 1-2), then the CREATE from line 3 on.
  std::vector<std::string> sql{
      "BEGIN TRANSACTION",
      "CREATE OR REPLACE TABLE t AS (\nwith a as (\n  select 1 as x\n)\nselect nope,\n  x\nfrom a\n)"};
  std::string msg =
      "Binder Error: Referenced column \"nope\" not found in FROM clause!\n\nLINE 5: select nope,\n          "
      "     ^";
  auto loc = locate_error(sql, msg);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->line, 7);
  EXPECT_EQ(loc->column, 8);
}

TEST(ErrorLocation, FindsTheStatementByItsQuotedText) {
  // The failing statement is not the last one logged: matched by the quoted line.
  std::vector<std::string> sql{"select 1 fro x", "ROLLBACK"};
  auto loc = locate_error(
      sql, "Parser Error: syntax error at or near \"x\"\n\nLINE 1: select 1 fro x\n                     ^");
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->line, 1);
  EXPECT_EQ(loc->column, 14);
}

TEST(ErrorLocation, ALakeWriteIsFoundByItsTextUnderItsHeaderLine) {
  // A lake write logs "-- lake: ..." above the model's SELECT and runs the SELECT inside its own
  // statement, so DuckDB's LINE 3 is line 4 of the logged statement.
  std::vector<std::string> sql{
      "-- lake: create table main.bad (failed)\nselect\n  order_id,\n  nosuchcol\nfrom t"};
  std::string msg =
      "Binder Error: Referenced column \"nosuchcol\" not found\n\nLINE 3:   nosuchcol\n          ^";
  auto loc = locate_error(sql, msg);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->line, 4);
  EXPECT_EQ(loc->column, 3);
  // Two lines with the text: no guess.
  sql = {"-- lake: x\nselect\n  x,\n  x\nfrom t"};
  EXPECT_FALSE(locate_error(sql, "Binder Error\n\nLINE 9:   x\n          ^"));
}

TEST(ErrorLocation, ElidedLineText) {
  std::string line =
      "select 1 as aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, 3 as cccccccccccccccccccccccccc, nosuch as "
      "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd, 4 as e";
  // The caret sits under "nosuch": 8 ("LINE 1: ") + 3 ("...") + the shown text before it.
  std::string shown = "aaaaaaaaaa, 3 as cccccccccccccccccccccccccc, nosuch as dddddddddddddddd";
  std::string msg = "Binder Error: x\n\nLINE 1: ..." + shown + "...\n" +
                    std::string(8 + 3 + shown.find("nosuch"), ' ') + "^";
  auto loc = locate_error({"create view v as (", line + "\n)"}, msg);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->line, 3);  // statement 2 starts at line 3 ("create view v as (;" + blank line)
  EXPECT_EQ(static_cast<std::size_t>(loc->column), line.find("nosuch") + 1);
}

TEST(ErrorLocation, NoLineOrNoMatch) {
  EXPECT_FALSE(locate_error({"select 1"}, "Conversion Error: Could not convert string 'abc' to INT32"));
  EXPECT_FALSE(locate_error({"select 1"}, "Binder Error: x\n\nLINE 3: select nope\n       ^"));
  EXPECT_FALSE(locate_error({"select 1"}, "Binder Error: x\n\nLINE 1: select nope\n       ^"));
}

}  // namespace
}  // namespace pond::dbt
