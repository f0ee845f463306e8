// pond parse / pond ls on the example projects in tests/projects/.
#include <nlohmann/json.hpp>

#include "e2e/pond_runner.hpp"

namespace pond::test {

namespace {

class ProjectTest : public PondTest {
 protected:
  // A copy of tests/projects/<name> in this test's temporary folder.
  std::filesystem::path copy_project(const std::string& name) {
    std::filesystem::path to = dir_ / name;
    std::filesystem::copy(std::filesystem::path(POND_SOURCE_DIR) / "tests/projects" / name, to,
                          std::filesystem::copy_options::recursive);
    return to;
  }

  std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      out.push_back(text.substr(pos, nl - pos));
      pos = nl + 1;
    }
    return out;
  }
};

}  // namespace

TEST_F(ProjectTest, ParseWritesADbtManifest) {
  auto root = copy_project("jaffle_shop");
  ProcessResult r = run_pond({"parse"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(
      r.err,
      "Found 6 models, 1 snapshot, 1 analysis, 3 seeds, 18 data tests, 1 source, 1 exposure, 2 macros"))
      << r.err;
  auto m = nlohmann::json::parse(read_file(root / "target/manifest.json"));
  EXPECT_EQ(m["metadata"]["dbt_schema_version"], "https://schemas.getdbt.com/dbt/manifest/v12.json");
  EXPECT_EQ(m["metadata"]["project_name"], "jaffle_shop");
  // unique_ids as dbt computes them for the jaffle shop.
  EXPECT_TRUE(m["nodes"].contains("test.jaffle_shop.not_null_orders_order_id.cf6c17daed"));
  EXPECT_TRUE(
      m["nodes"].contains("test.jaffle_shop.accepted_values_orders_status__placed__shipped__completed__"
                          "return_pending__returned.be6b5b5ec3"));
  EXPECT_TRUE(m["nodes"].contains("test.jaffle_shop.not_null_orders_customer_id.c5f02694af"));
  auto& orders = m["nodes"]["model.jaffle_shop.orders"];
  EXPECT_EQ(orders["config"]["materialized"], "table");
  EXPECT_EQ(orders["depends_on"]["nodes"],
            nlohmann::json::array({"model.jaffle_shop.stg_orders", "model.jaffle_shop.stg_payments"}));
  EXPECT_EQ(orders["fqn"], nlohmann::json::array({"jaffle_shop", "marts", "orders"}));
  EXPECT_TRUE(contains(orders["columns"]["status"]["description"].get<std::string>(), "return_pending"));
  EXPECT_EQ(m["nodes"]["model.jaffle_shop.stg_payments"]["depends_on"]["macros"],
            nlohmann::json::array({"macro.jaffle_shop.cents_to_dollars"}));
  EXPECT_EQ(m["nodes"]["model.jaffle_shop.stg_orders"]["schema"], "main_staging");
  EXPECT_EQ(m["sources"]["source.jaffle_shop.ecom.raw_items"]["relation_name"],
            "read_csv('data/raw_items.csv')");
  EXPECT_TRUE(m["exposures"].contains("exposure.jaffle_shop.weekly_revenue"));
  EXPECT_TRUE(m["disabled"].contains("model.jaffle_shop.old_orders"));
  EXPECT_EQ(m["nodes"]["snapshot.jaffle_shop.customers_snapshot"]["schema"], "snapshots");
  EXPECT_EQ(m["parent_map"]["model.jaffle_shop.stg_items"],
            nlohmann::json::array({"source.jaffle_shop.ecom.raw_items"}));
  EXPECT_TRUE(m["macros"].contains("macro.jaffle_shop.test_is_positive"));
  EXPECT_TRUE(m["docs"].contains("doc.jaffle_shop.order_status"));
}

TEST_F(ProjectTest, LsSelectsLikeDbt) {
  auto root = copy_project("jaffle_shop");
  ProcessResult r = run_pond({"ls", "-s", "+orders", "--resource-type", "model", "--output", "name"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"orders", "stg_orders", "stg_payments"}));

  r = run_pond({"ls", "-s", "stg_orders", "--output", "name"}, root);  // eager: its tests come along
  EXPECT_EQ(lines(r.out),
            (std::vector<std::string>{
                "stg_orders",
                "accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned",
                "not_null_stg_orders_order_id", "unique_stg_orders_order_id"}));

  r = run_pond({"ls", "-s", "tag:staging,config.materialized:table"}, root);
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"jaffle_shop.staging.stg_items"}));

  r = run_pond({"ls", "-s", "source:ecom+", "--exclude", "resource_type:test"}, root);
  EXPECT_EQ(lines(r.out),
            (std::vector<std::string>{"jaffle_shop.staging.stg_items", "source:jaffle_shop.ecom.raw_items"}));

  r = run_pond({"ls", "--selector", "marts_only", "--resource-type", "seed", "--output", "path"}, root);
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"seeds/raw_customers.csv", "seeds/raw_orders.csv",
                                                    "seeds/raw_payments.csv"}));

  r = run_pond({"ls", "-s", "customers", "--resource-type", "model", "--output", "json", "--output-keys",
                "unique_id,tags,config"},
               root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(lines(r.out).at(0));
  EXPECT_EQ(j["unique_id"], "model.jaffle_shop.customers");
  EXPECT_EQ(j["tags"], nlohmann::json::array({"shop", "marts", "pii"}));
  EXPECT_EQ(j["config"]["meta"]["owner"], "growth");
  EXPECT_FALSE(j.contains("name"));

  r = run_pond({"ls", "-s", "test_type:singular", "--output", "name"}, root);
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"assert_total_payment_amount_is_positive"}));
}

TEST_F(ProjectTest, LsStateModifiedAgainstAPreviousParse) {
  auto root = copy_project("jaffle_shop");
  ASSERT_EQ(run_pond({"parse"}, root).exit_code, 0);
  std::filesystem::rename(root / "target", root / "prev");
  write_file(root / "models/staging/stg_orders.sql",
             "select id as order_id, user_id as customer_id, order_date, "
             "status, 1 as extra from {{ ref('raw_orders') }}");
  ProcessResult r = run_pond(
      {"ls", "-s", "state:modified+", "--state", "prev", "--resource-type", "model", "--output", "name"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{"customers", "orders", "stg_orders"}));
}

TEST_F(ProjectTest, SelectionErrorsAreUsageErrors) {
  auto root = copy_project("jaffle_shop");
  ProcessResult r = run_pond({"ls", "-s", "tga:staging"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "did you mean 'tag:'?")) << r.err;
  r = run_pond({"ls", "--selector", "mart_only"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "did you mean 'marts_only'?")) << r.err;
  r = run_pond({"ls", "-s", "state:modified"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "needs --state")) << r.err;
}

TEST_F(ProjectTest, BrokenProjectsFailWithTheRightMessage) {
  ProcessResult r = run_pond({"parse"}, copy_project("cycle"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(
      contains(r.err, "found a cycle: model.cycle.a -> model.cycle.b -> model.cycle.c -> model.cycle.a"))
      << r.err;

  r = run_pond({"parse"}, copy_project("unknown_ref"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(
      contains(r.err,
               "models/orders.sql:2: Model 'model.unknown_ref.orders' (models/orders.sql) depends on a "
               "node named 'stg_ordres' which was not found"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'stg_orders'?")) << r.err;

  r = run_pond({"parse"}, copy_project("bad_yaml"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "models/schema.yml:7:1: invalid YAML")) << r.err;

  // A Python model parses (a node) and compiles as dbt-duckdb does: its code, then what dbt's
  // object needs (its refs as relations).
  auto python = copy_project("python_model");
  r = run_pond({"parse"}, python);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_pond({"compile", "-s", "scored"}, python);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "__pond_dbt__ = {")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"ok\": \"\\\"")) << r.out;
}

TEST_F(ProjectTest, EnvVarInProfileAndMissingVariable) {
  auto root = copy_project("jaffle_shop");
  write_file(root / "profiles.yml",
             "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
             "      path: \"{{ env_var('POND_E2E_UNSET_DB') }}\"\n");
  ProcessResult r = run_pond({"parse"}, root);
  EXPECT_EQ(r.exit_code, 2);
  // dbt's message, at the value of the output in use (other outputs are not rendered).
  EXPECT_TRUE(contains(r.err,
                       "profiles.yml:6:13: Could not render {{ env_var('POND_E2E_UNSET_DB') }}: "
                       "Env var required but not provided: 'POND_E2E_UNSET_DB'"))
      << r.err;
}

TEST_F(ProjectTest, CompileRendersModelsTestsAndInlineSql) {
  auto root = copy_project("jaffle_shop");
  ProcessResult r = run_pond({"compile", "-s", "stg_payments"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      contains(r.out, "(amount / 100)::numeric(16, 2) as amount\nfrom \"jaffle_shop\".\"main\".raw_payments"))
      << r.out;
  EXPECT_FALSE(contains(r.out, "not_null")) << "tests compiled along are not printed";
  std::string file = read_file(root / "target/compiled/jaffle_shop/models/staging/stg_payments.sql");
  EXPECT_TRUE(contains(file, "(amount / 100)::numeric(16, 2)")) << file;
  EXPECT_TRUE(std::filesystem::exists(
      root / "target/compiled/jaffle_shop/models/staging/schema.yml/not_null_stg_payments_payment_id.sql"));
  auto m = nlohmann::json::parse(read_file(root / "target/manifest.json"));
  EXPECT_TRUE(contains(m["nodes"]["model.jaffle_shop.stg_payments"]["compiled_code"].get<std::string>(),
                       "::numeric"));
  EXPECT_EQ(m["nodes"]["model.jaffle_shop.stg_payments"]["compiled_path"],
            "target/compiled/jaffle_shop/models/staging/stg_payments.sql");

  r = run_pond({"compile"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string orders = read_file(root / "target/compiled/jaffle_shop/models/marts/orders.sql");
  EXPECT_TRUE(contains(
      orders, "sum(case when payment_method = 'gift_card' then amount else 0 end) as gift_card_amount"))
      << orders;
  std::string rel = read_file(root /
                              "target/compiled/jaffle_shop/models/marts/schema.yml/"
                              "relationships_orders_customer_id__customer_id__ref_customers_.sql");
  EXPECT_TRUE(contains(rel, "from \"jaffle_shop\".\"main\".customers")) << rel;
  EXPECT_TRUE(std::filesystem::exists(root / "target/compiled/jaffle_shop/snapshots/customers_snapshot.sql"));
  EXPECT_TRUE(std::filesystem::exists(root / "target/compiled/jaffle_shop/analyses/payment_mix.sql"));

  r = run_pond(
      {"compile", "--inline", "select * from {{ ref('orders') }} where d > '{{ var('start_date') }}'",
       "--vars", "{start_date: '2026-01-01'}"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "select * from \"jaffle_shop\".\"main\".orders where d > '2026-01-01'\n");
}

TEST_F(ProjectTest, CompileErrorsNameFileAndLine) {
  auto root = copy_project("jaffle_shop");
  write_file(root / "models/marts/broken.sql", "select 1\nwhere x = '{{ env_var(\"POND_E2E_NOT_SET\") }}'");
  ProcessResult r = run_pond({"compile", "-s", "broken"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "models/marts/broken.sql:2:")) << r.err;
  EXPECT_TRUE(contains(r.err, "Env var required but not provided: 'POND_E2E_NOT_SET'")) << r.err;
}

// Compiling again rewrites only the files whose SQL changed (untouched files keep their
// modification time), repairs a stale file, and fails clearly when a folder cannot be made.
TEST_F(ProjectTest, CompileAgainRewritesOnlyChangedFiles) {
  namespace fs = std::filesystem;
  auto root = copy_project("jaffle_shop");
  ASSERT_EQ(run_pond({"compile"}, root).exit_code, 0);
  const fs::path compiled = root / "target/compiled/jaffle_shop/models";
  const fs::path payments = compiled / "staging/stg_payments.sql";
  const fs::path orders = compiled / "marts/orders.sql";
  const fs::path test_file = compiled / "staging/schema.yml/not_null_stg_payments_payment_id.sql";
  const std::string payments_sql = read_file(payments);
  const std::string test_sql = read_file(test_file);
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const auto& p : {payments, orders, test_file}) fs::last_write_time(p, old);
  write_file(root / "models/marts/orders.sql", read_file(root / "models/marts/orders.sql") + "\n-- edited\n");
  write_file(test_file, test_sql + "-- a longer stale copy\n");

  ProcessResult r = run_pond({"compile"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fs::last_write_time(payments), old) << "an unchanged file is left alone";
  EXPECT_EQ(read_file(payments), payments_sql);
  EXPECT_GT(fs::last_write_time(orders), old);
  EXPECT_TRUE(contains(read_file(orders), "-- edited")) << read_file(orders);
  EXPECT_EQ(read_file(test_file), test_sql) << "a stale copy is rewritten";

  fs::remove_all(root / "target/compiled");
  write_file(root / "target/compiled", "a file where the folder should be\n");
  r = run_pond({"compile"}, root);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "cannot create folder")) << r.err;
  EXPECT_TRUE(contains(r.err, "target/compiled")) << r.err;
}

}  // namespace pond::test
