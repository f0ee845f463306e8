#include "materialize/unit_test.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "helpers.hpp"

namespace pond::materialize {

using testing::Db;

namespace {

FixtureRows dict_rows(std::vector<std::string> columns,
                      std::vector<std::map<std::string, std::string>> rows) {
  FixtureRows r;
  r.columns = std::move(columns);
  r.rows = std::move(rows);
  return r;
}

// A model "select id, amount * 2 as doubled from <orders>" tested on fixture rows.
UnitTestSpec doubled_spec(FixtureRows given, FixtureRows expect) {
  UnitTestSpec spec;
  spec.unique_id = "unit_test.t.doubled.x";
  spec.name = "x";
  spec.model = "doubled";
  spec.given.push_back({"__dbt__cte__orders", "main.orders", "ref('orders')", std::move(given)});
  spec.expect = std::move(expect);
  spec.actual_sql = [](const std::vector<std::pair<std::string, std::string>>& ctes) {
    std::string sql = "with ";
    for (std::size_t k = 0; k < ctes.size(); ++k)
      sql += (k ? ", " : "") + ctes[k].first + " as (" + ctes[k].second + ")";
    return sql + " select id, amount * 2 as doubled from __dbt__cte__orders";
  };
  return spec;
}

}  // namespace

TEST(UnitTest, FixtureRowsTakeTheInputsTypesAndNullForMissingColumns) {
  std::vector<Column> cols{{"id", "INTEGER"}, {"amount", "DECIMAL(10,2)"}};
  EXPECT_EQ(fixture_sql(cols, dict_rows({"id"}, {{{"id", "1"}}, {{"id", "2"}}})),
            "select cast(1 as INTEGER) as \"id\", cast(null as DECIMAL(10,2)) as \"amount\"\nunion all\n"
            "select cast(2 as INTEGER) as \"id\", cast(null as DECIMAL(10,2)) as \"amount\"");
  EXPECT_EQ(fixture_sql(cols, dict_rows({}, {})),
            "select cast(null as INTEGER) as \"id\", cast(null as DECIMAL(10,2)) as \"amount\" where false");
  FixtureRows sql;
  sql.sql = "select 1 as id";
  EXPECT_EQ(fixture_sql(cols, sql), "select 1 as id");
}

TEST(UnitTest, PassesWhenRowsMatchInAnyOrder) {
  Db t;
  t.con.execute("create table orders (id integer, amount decimal(10,2), note varchar)");
  Session s(t.con);
  auto r = run_unit_test(s, doubled_spec(dict_rows({"id", "amount"}, {{{"id", "1"}, {"amount", "'2.5'"}},
                                                                      {{"id", "2"}, {"amount", "1"}}}),
                                         dict_rows({"id", "doubled"}, {{{"id", "2"}, {"doubled", "2"}},
                                                                       {{"id", "1"}, {"doubled", "5.0"}}})));
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_EQ(r.differences, 0);
  EXPECT_NE(r.sql.find("cast('2.5' as DECIMAL(10,2))"), std::string::npos) << r.sql;
}

TEST(UnitTest, FailsWithADiffOfTheComparedColumns) {
  Db t;
  t.con.execute("create table orders (id integer, amount integer)");
  Session s(t.con);
  auto r = run_unit_test(s, doubled_spec(dict_rows({"id", "amount"}, {{{"id", "1"}, {"amount", "3"}}}),
                                         dict_rows({"doubled"}, {{{"doubled", "7"}}})));
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.differences, 2);
  EXPECT_EQ(r.message, "actual differs from expected:\n\n  | doubled\n+ | 6\n- | 7\n");
}

TEST(UnitTest, DuplicateRowsCount) {
  Db t;
  t.con.execute("create table orders (id integer, amount integer)");
  Session s(t.con);
  auto r = run_unit_test(
      s, doubled_spec(dict_rows({"id"}, {{{"id", "1"}}, {{"id", "1"}}}), dict_rows({"id"}, {{{"id", "1"}}})));
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.differences, 1);
}

TEST(UnitTest, MissingInputOrUnknownColumnIsAnError) {
  Db t;
  Session s(t.con);
  EXPECT_THROW(run_unit_test(s, doubled_spec(dict_rows({"id"}, {{{"id", "1"}}}), dict_rows({"id"}, {}))),
               UserError);
  t.con.execute("create table orders (id integer, amount integer)");
  EXPECT_THROW(run_unit_test(s, doubled_spec(dict_rows({"idd"}, {{{"idd", "1"}}}), dict_rows({"id"}, {}))),
               UserError);
  EXPECT_THROW(run_unit_test(s, doubled_spec(dict_rows({"id"}, {{{"id", "1"}}}), dict_rows({"nope"}, {}))),
               UserError);
}

}  // namespace pond::materialize
