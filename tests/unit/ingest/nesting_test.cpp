// The names and levels of dlt's relational normalizer, as nesting.cpp spells them in SQL; the
// rows themselves are checked end to end (tests/e2e/ingest_nested_test.cpp).
#include "ingest/nesting.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace pond::ingest {

namespace {

const std::vector<std::pair<std::string, std::string>> kColumns{
    {"id", "BIGINT"},
    {"addr", "STRUCT(city VARCHAR, geo STRUCT(lat DOUBLE), tags VARCHAR[])"},
    {"orders", "STRUCT(oid BIGINT, items STRUCT(sku VARCHAR)[])[]"}};

std::string names(const FlatRow& row) {
  std::string out;
  for (const auto& [name, expr] : row.columns) out += (out.empty() ? "" : " ") + name;
  return out;
}

std::string lists(const FlatRow& row) {
  std::string out;
  for (const auto& l : row.lists) out += (out.empty() ? "" : " ") + l.column + ":" + std::to_string(l.level);
  return out;
}

TEST(Nesting, StructsFlattenAndListsBecomeChildTablesDownToMaxNesting) {
  FlatRow all = flatten_root(kColumns, 1000, "raw.c");
  EXPECT_EQ(names(all), "id addr__city addr__geo__lat addr__tags orders");
  EXPECT_EQ(lists(all), "addr__tags:999 orders:999");
  EXPECT_EQ(all.columns[2].second, "struct_extract(struct_extract(\"addr\", 'geo'), 'lat')");

  FlatRow one = flatten_root(kColumns, 1, "raw.c");
  EXPECT_EQ(names(one), "id addr__city addr__geo addr__tags orders");
  EXPECT_EQ(lists(one), "orders:0") << "addr.tags is a level down: it stays a list";

  FlatRow none = flatten_root(kColumns, 0, "raw.c");
  EXPECT_EQ(names(none), "id addr orders");
  EXPECT_TRUE(none.lists.empty());
}

TEST(Nesting, ChildTablesAreNamedByTheirPathDepthFirst) {
  FlatRow root = flatten_root(kColumns, 1000, "raw.c");
  std::vector<ChildTable> children;
  child_tables("c", "SELECT * FROM rows", true, root.lists, children);
  std::string out;
  for (const auto& c : children) out += (out.empty() ? "" : " ") + c.name;
  EXPECT_EQ(out, "c__addr__tags c__orders c__orders__items");
  // A list of scalars: a `value` column; a child's own lists stay out of its table.
  EXPECT_NE(children[0].select.find("__pond_v AS \"value\""), std::string::npos) << children[0].select;
  EXPECT_NE(children[1].select.find("EXCLUDE (\"items\")"), std::string::npos) << children[1].select;

  // One level: the orders' items stay a list column of c__orders.
  std::vector<ChildTable> one;
  child_tables("c", "SELECT * FROM rows", true, flatten_root(kColumns, 1, "raw.c").lists, one);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].select.find("EXCLUDE"), std::string::npos) << one[0].select;
}

TEST(Nesting, TwoFieldsFlatteningToOneNameAreAnError) {
  try {
    flatten_root({{"a__b", "BIGINT"}, {"a", "STRUCT(b BIGINT)"}}, 1000, "raw.t");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(e.message().find("nested JSON of raw.t: two fields flatten to the column 'a__b'"),
              std::string::npos)
        << e.message();
  }
}

}  // namespace

}  // namespace pond::ingest
