// pond docs generate: manifest.json and dbt's catalog.json from the target database.
#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/pond_runner.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"

namespace pond::test {

namespace {

class DocsTest : public PondTest {
 protected:
  std::filesystem::path copy_jaffle_shop() {
    std::filesystem::path to = dir_ / "jaffle_shop";
    std::filesystem::copy(std::filesystem::path(POND_SOURCE_DIR) / "tests/projects/jaffle_shop", to,
                          std::filesystem::copy_options::recursive);
    return to;
  }
  static nlohmann::json read_json(const std::filesystem::path& p) {
    std::ifstream in(p);
    EXPECT_TRUE(in.good()) << "missing " << p;
    return in.good() ? nlohmann::json::parse(in) : nlohmann::json();
  }
};

}  // namespace

TEST_F(DocsTest, GenerateWritesTheCatalogOfWhatWasBuilt) {
  auto root = copy_jaffle_shop();
  // stg_items reads an external file that the test project does not ship.
  ProcessResult r = run_pond({"build", "--exclude", "stg_items", "source:ecom"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  {  // `pond show` is read-only: the comment goes in directly.
    engine::Database db = engine::Database::open((root / "jaffle_shop.duckdb").string());
    engine::Connection(db).execute("comment on column main.customers.customer_id is 'the key'");
  }
  std::filesystem::remove(root / "target" / "manifest.json");

  r = run_pond({"docs", "generate"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "catalog.json")) << r.out;
  nlohmann::json m = read_json(root / "target" / "manifest.json");
  EXPECT_TRUE(contains(m["nodes"]["model.jaffle_shop.orders"].value("compiled_code", ""), "stg_payments"));

  nlohmann::json c = read_json(root / "target" / "catalog.json");
  EXPECT_EQ(c["metadata"]["dbt_schema_version"], "https://schemas.getdbt.com/dbt/catalog/v1.json");
  EXPECT_EQ(c["metadata"]["invocation_id"], m["metadata"]["invocation_id"]);
  EXPECT_TRUE(c["metadata"]["generated_at"].get<std::string>().ends_with("Z"));

  const auto& customers = c["nodes"]["model.jaffle_shop.customers"];
  EXPECT_EQ(customers["unique_id"], "model.jaffle_shop.customers");
  EXPECT_EQ(customers["metadata"]["type"], "BASE TABLE");
  EXPECT_EQ(customers["metadata"]["schema"], "main");
  EXPECT_EQ(customers["metadata"]["name"], "customers");
  EXPECT_EQ(customers["metadata"]["database"], "jaffle_shop");
  EXPECT_TRUE(customers["metadata"]["owner"].is_null());
  EXPECT_EQ(
      customers["columns"]["customer_id"],
      (nlohmann::json{{"type", "INTEGER"}, {"index", 1}, {"name", "customer_id"}, {"comment", "the key"}}));
  EXPECT_EQ(customers["columns"]["number_of_orders"]["type"], "BIGINT");
  EXPECT_EQ(customers["columns"]["number_of_orders"]["index"], 6);
  EXPECT_TRUE(customers["columns"]["first_name"]["comment"].is_null());
  EXPECT_EQ(customers["stats"]["has_stats"]["value"], false);

  // A seed with a column_types override, a view in a custom schema, a snapshot.
  const auto& raw_orders = c["nodes"]["seed.jaffle_shop.raw_orders"];
  EXPECT_EQ(raw_orders["columns"]["order_date"],
            (nlohmann::json{{"type", "DATE"}, {"index", 3}, {"name", "order_date"}, {"comment", nullptr}}));
  EXPECT_EQ(raw_orders["columns"]["id"]["type"], "INTEGER");
  EXPECT_EQ(c["nodes"]["model.jaffle_shop.stg_orders"]["metadata"]["type"], "VIEW");
  EXPECT_EQ(c["nodes"]["model.jaffle_shop.stg_orders"]["metadata"]["schema"], "main_staging");
  EXPECT_TRUE(c["nodes"].contains("snapshot.jaffle_shop.customers_snapshot"));
  // Not built (or not a relation): left out, as dbt does.
  EXPECT_FALSE(c["nodes"].contains("model.jaffle_shop.stg_items"));
  EXPECT_FALSE(c["nodes"].contains("test.jaffle_shop.not_null_orders_order_id.cf6c17daed"));
  EXPECT_TRUE(c["sources"].empty());

  // A source that exists in the database is in "sources".
  {
    engine::Database db = engine::Database::open((root / "jaffle_shop.duckdb").string());
    engine::Connection con(db);
    con.execute("create schema raw");
    con.execute("create table raw.items as select 1 as item_id");
  }
  r = run_pond({"docs", "generate", "-s", "source:ecom", "--no-compile"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  c = read_json(root / "target" / "catalog.json");
  EXPECT_EQ(c["sources"]["source.jaffle_shop.ecom.raw_items"]["metadata"]["name"], "items");
  EXPECT_EQ(c["sources"]["source.jaffle_shop.ecom.raw_items"]["columns"]["item_id"]["index"], 1);
  EXPECT_TRUE(c["nodes"].empty());
  m = read_json(root / "target" / "manifest.json");
  EXPECT_FALSE(m["nodes"]["model.jaffle_shop.orders"].contains("compiled_code") &&
               !m["nodes"]["model.jaffle_shop.orders"]["compiled_code"].is_null());

  r = run_pond({"docs", "generate", "--empty-catalog"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  c = read_json(root / "target" / "catalog.json");
  EXPECT_TRUE(c["nodes"].empty());
  EXPECT_TRUE(c["sources"].empty());
}

TEST_F(DocsTest, GenerateFailsOnABrokenProjectWithoutWritingACatalog) {
  auto root = copy_jaffle_shop();
  { std::ofstream(root / "models" / "marts" / "broken.sql") << "select * from {{ ref('no_such_model') }}\n"; }
  ProcessResult r = run_pond({"docs", "generate"}, root);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "broken.sql")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(root / "target" / "catalog.json"));
}

}  // namespace pond::test
