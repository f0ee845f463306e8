#include "common/text.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace pond {

TEST(Text, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("show", "shw"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
}

TEST(Text, ClosestMatchFindsTyposOnly) {
  std::vector<std::string> names = {"stg_orders", "stg_customers", "orders"};
  EXPECT_EQ(closest_match("stg_ordres", names), "stg_orders");
  EXPECT_EQ(closest_match("STG_CUSTOMER", names), "stg_customers");
  EXPECT_EQ(closest_match("completely_different", names), "");
}

TEST(Text, SplitAndTrim) {
  EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(trim("  x y \n"), "x y");
  EXPECT_EQ(trim("   "), "");
  EXPECT_TRUE(starts_with_icase("SELECT 1", "select"));
  EXPECT_FALSE(starts_with_icase("sel", "select"));
}

TEST(UserError, FormatsLocationAndHint) {
  UserError e(SourceLocation{"profiles.yml", 3, 7}, "bad value", "use a number");
  EXPECT_STREQ(e.what(), "profiles.yml:3:7: bad value\n  hint: use a number");
  EXPECT_EQ(e.exit_code(), ExitCode::kUsage);
  EXPECT_EQ(e.where()->line, 3);
  UserError plain("oops", ExitCode::kStepFailed);
  EXPECT_STREQ(plain.what(), "oops");
  EXPECT_EQ(SourceLocation({"f.sql", 2, 0}).to_string(), "f.sql:2");
  EXPECT_EQ(SourceLocation({"f.sql", 0, 0}).to_string(), "f.sql");
}

}  // namespace pond
