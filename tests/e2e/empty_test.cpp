// pond run/build --empty: refs and sources read zero rows, so the project builds schema-only.
#include "e2e/mini_project.hpp"

namespace pond::test {

TEST_F(PondTest, BuildEmptyCreatesEveryRelationWithoutRows) {
  auto root = dir_ / "mini";
  write_mini_project(root);
  write_file(root / "models" / "sources.yml",
             "version: 2\nsources:\n  - name: raw\n    schema: main\n    tables:\n      - name: landing\n");
  write_file(
      root / "models" / "items.sql",
      "{{ config(materialized='table') }}\nselect id, name, price * 2 as double_price from {{ source('raw', "
      "'landing') }}\n");
  write_file(root / "models" / "names.sql",
             "{{ config(materialized='table') }}\nselect i.name, r.price from {{ ref('items') }} i join {{ "
             "ref('raw_items') }} r using (id)\n");
  write_file(root / "models" / "schema.yml",
             "version: 2\nmodels:\n  - name: items\n    columns:\n      - name: id\n        data_tests: "
             "[not_null]\n");

  // The source is a table loaded outside the project.
  ProcessResult r = run_pond(
      {"show", "--inline", "create table landing as select * from read_csv('seeds/raw_items.csv')"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_pond({"build", "--empty"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(query_value(root, "select count(*) from main.raw_items"), "0");
  EXPECT_EQ(query_value(root, "select count(*) from main.items"), "0");
  EXPECT_EQ(query_value(root, "select count(*) from main.names"), "0");
  // The schema is the real one: the seed's inferred types flow through.
  EXPECT_EQ(
      query_value(root,
                  "select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) from "
                  "information_schema.columns where table_name = 'items'"),
      "\"id BIGINT, name VARCHAR, double_price DOUBLE\"");
  EXPECT_EQ(
      query_value(root,
                  "select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) from "
                  "information_schema.columns where table_name = 'raw_items'"),
      "\"id INTEGER, name VARCHAR, price DOUBLE\"");
  std::string sql = read_file(root / "target" / "run" / "mini" / "models" / "names.sql");
  EXPECT_TRUE(contains(sql, "(select * from \"mini\".\"main\".\"items\" where false limit 0) i")) << sql;

  // Without --empty the same project loads and builds the rows.
  r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(query_value(root, "select count(*) from main.names"), "3");
  // run --empty on built tables empties just the models it runs.
  r = run_pond({"run", "--empty", "-s", "names"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(query_value(root, "select count(*) from main.names"), "0");
  EXPECT_EQ(query_value(root, "select count(*) from main.items"), "3");
}

}  // namespace pond::test
