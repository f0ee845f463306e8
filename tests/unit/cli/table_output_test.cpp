#include "cli/table_output.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/scaffold.hpp"
#include "common/error.hpp"
#include "support/temp_dir.hpp"

namespace pond::cli {

namespace {
TextTable sample() {
  TextTable t;
  t.columns = {"id", "name", "amount"};
  t.types = {{engine::TypeId::kInteger, "INTEGER"},
             {engine::TypeId::kVarchar, "VARCHAR"},
             {engine::TypeId::kDecimal, "DECIMAL(10,2)"}};
  t.rows = {{"1", "Ann", "10.50"}, {"22", std::nullopt, "3.00"}, {"3", "a,\"b\"\nc", std::nullopt}};
  return t;
}
}  // namespace

TEST(TableOutput, AlignsNumbersRight) {
  std::ostringstream out;
  print_table(out, sample());
  EXPECT_EQ(out.str(),
            "| id | name     | amount |\n"
            "| -- | -------- | ------ |\n"
            "|  1 | Ann      |  10.50 |\n"
            "| 22 | NULL     |   3.00 |\n"
            "|  3 | a,\"b\"\\nc |   NULL |\n");
}

TEST(TableOutput, JsonKeepsTypesAndColumnOrder) {
  std::ostringstream out;
  TextTable t = sample();
  t.rows.resize(2);
  print_json(out, t);
  EXPECT_EQ(out.str(),
            "[\n  {\n    \"id\": 1,\n    \"name\": \"Ann\",\n    \"amount\": 10.5\n  },\n"
            "  {\n    \"id\": 22,\n    \"name\": null,\n    \"amount\": 3.0\n  }\n]\n");
}

TEST(TableOutput, CsvQuotes) {
  std::ostringstream out;
  print_csv(out, sample());
  EXPECT_EQ(out.str(), "id,name,amount\n1,Ann,10.50\n22,,3.00\n3,\"a,\"\"b\"\"\nc\",\n");
  EXPECT_THROW(parse_output_format("xml"), std::invalid_argument);
}

TEST(Scaffold, NamesAndRefusesNonEmptyFolders) {
  EXPECT_EQ(project_name_from("my-shop"), "my_shop");
  EXPECT_EQ(project_name_from("2024 data"), "p_2024_data");
  test::TempDir dir;
  auto files = write_scaffold(dir / "acme", "acme");
  EXPECT_GE(files.size(), 5u);
  std::string project = test::read_file(dir / "acme/dbt_project.yml");
  EXPECT_NE(project.find("name: 'acme'"), std::string::npos);
  EXPECT_NE(project.find("profile: 'acme'"), std::string::npos);
  std::string profiles = test::read_file(dir / "acme/profiles.yml");
  EXPECT_EQ(profiles.rfind("acme:", 0), 0u);
  EXPECT_NE(profiles.find("path: acme.duckdb"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir / "acme/pond.yml"));
  EXPECT_TRUE(std::filesystem::exists(dir / "acme/seeds/raw_orders.csv"));
  EXPECT_THROW(write_scaffold(dir / "acme", "acme"), UserError);
}

}  // namespace pond::cli
