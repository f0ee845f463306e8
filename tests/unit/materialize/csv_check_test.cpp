#include "materialize/csv_check.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace pond::materialize {
namespace {

std::optional<CsvProblem> check(const std::string& text, char delimiter = ',') {
  test::TempDir dir;
  test::write_file(dir / "f.csv", text);
  return find_csv_problem(dir / "f.csv", delimiter);
}

TEST(CsvCheck, AcceptsQuotedDelimitersLineBreaksAndCrLf) {
  EXPECT_FALSE(check("id,name\n1,\"a,b\"\n2,\"two\nlines\"\r\n3,\"say \"\"hi\"\"\"\n"));
  EXPECT_FALSE(check("id;name\n1;a,b\n", ';'));
  EXPECT_FALSE(check("id,name\n1,a"));        // no final newline
  EXPECT_FALSE(check("id,name\n\n1,a\n\n"));  // empty lines are not records
  EXPECT_FALSE(check("id,name\n1,\xC3\xA9t\xC3\xA9\n"));
}

TEST(CsvCheck, NamesTheLineAndColumnOfARaggedRecord) {
  auto p = check("id,name\n1,a\n2,b,extra\n3,c\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 3u);
  EXPECT_EQ(p->column, 5u);  // where the extra field starts
  EXPECT_EQ(p->message, "record 2 has 3 field(s), the header has 2");
  p = check("id,name,x\n1,a,1\n2\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 3u);
  EXPECT_EQ(p->message, "record 2 has 1 field(s), the header has 3");
  // A quoted line break moves the line count on.
  p = check("id,name\n1,\"a\nb\"\n2,b,c\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 4u);
}

TEST(CsvCheck, FindsUnclosedQuotesAndBytesThatAreNotUtf8) {
  auto p = check("id,name\n1,\"open\n2,b\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 2u);
  EXPECT_EQ(p->column, 3u);
  EXPECT_EQ(p->message, "this quote is never closed");
  p = check("id,name\n1,caf\xE9\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 2u);
  EXPECT_EQ(p->column, 6u);
  EXPECT_NE(p->message.find("0xE9 is not UTF-8"), std::string::npos);
}

}  // namespace
}  // namespace pond::materialize
