// pond seed / run / test / build / snapshot on the example project (examples/shop).
#include <fstream>
#include <nlohmann/json.hpp>

#include "pond_runner.hpp"

namespace pond::test {

namespace {

std::string scalar(const std::filesystem::path& root, const std::string& sql) {
  ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto nl = r.out.find('\n');
  if (nl == std::string::npos) return "";
  std::string v = r.out.substr(nl + 1);
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// unique_id -> status in target/run_results.json.
std::map<std::string, std::string> statuses(const std::filesystem::path& root) {
  std::ifstream in(root / "target" / "run_results.json");
  EXPECT_TRUE(in.good()) << "no run_results.json";
  std::map<std::string, std::string> out;
  if (!in.good()) return out;
  nlohmann::json j = nlohmann::json::parse(in);
  for (const auto& r : j["results"]) out[r["unique_id"].get<std::string>()] = r["status"].get<std::string>();
  return out;
}

// rows_affected of one node in target/run_results.json.
long rows_affected(const std::filesystem::path& root, const std::string& unique_id) {
  std::ifstream in(root / "target" / "run_results.json");
  nlohmann::json j = nlohmann::json::parse(in);
  for (const auto& r : j["results"])
    if (r["unique_id"] == unique_id) return r["adapter_response"].value("rows_affected", -1L);
  return -2;
}

}  // namespace

TEST_F(PondTest, BuildRunsTheExampleProject) {
  auto root = init_project();
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "sql table model main.customers")) << r.out;
  EXPECT_EQ(scalar(root, "select count(*) from main.raw_payments"), "120");
  EXPECT_EQ(scalar(root, "select count(*) from main.customers"), "100");
  EXPECT_EQ(scalar(root, "select count(*) from main.orders"), "100");
  EXPECT_EQ(scalar(root, "select table_type from information_schema.tables where table_name = 'stg_orders'"),
            "VIEW");
  auto st = statuses(root);
  EXPECT_EQ(st["model.shop.customers"], "success");
  EXPECT_EQ(st["seed.shop.raw_orders"], "success");
  int tests = 0;
  for (const auto& [id, s] : st) {
    if (id.rfind("test.", 0) != 0) continue;
    ++tests;
    EXPECT_EQ(s, "pass") << id;
  }
  EXPECT_EQ(tests, 16);
  // A test runs after the model it checks.
  EXPECT_LT(r.out.find("model main.customers"), r.out.find("test unique_customers_customer_id")) << r.out;

  // A second build replaces the relations and gives the same contents.
  r = run_pond({"build", "--threads", "1"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.customers"), "100");
}

TEST_F(PondTest, SeedThenRunThenSelect) {
  auto root = init_project();
  ProcessResult r = run_pond({"seed"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.raw_customers"), "100");
  EXPECT_EQ(scalar(root, "select count(*) from information_schema.tables where table_name = 'customers'"),
            "0");
  r = run_pond({"run", "-s", "+customers"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.customers"), "100");
  EXPECT_EQ(scalar(root, "select count(*) from information_schema.tables where table_name = 'orders'"), "0");
  auto st = statuses(root);
  EXPECT_EQ(st.size(), 4u);  // three staging views and customers; no tests, no seeds
}

TEST_F(PondTest, SqlErrorFailsTheModelSkipsItsDescendantsOnly) {
  auto root = init_project();
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  write(root / "models" / "staging" / "stg_payments.sql",
        "select no_such_column from {{ ref('raw_payments') }}\n");
  ProcessResult r = run_pond({"run"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "stg_payments")) << r.out;
  EXPECT_TRUE(contains(r.out, "no_such_column")) << r.out;
  auto st = statuses(root);
  EXPECT_EQ(st["model.shop.stg_payments"], "error");
  EXPECT_EQ(st["model.shop.customers"], "skipped");
  EXPECT_EQ(st["model.shop.orders"], "skipped");
  EXPECT_EQ(st["model.shop.stg_customers"], "success");
  EXPECT_EQ(st["model.shop.stg_orders"], "success");
}

TEST_F(PondTest, TestReportsTheFailingRowCount) {
  auto root = init_project();
  write(root / "tests" / "few_customers.sql",
        "select * from {{ ref('customers') }} where customer_id > 90\n");
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  ASSERT_EQ(run_pond({"run"}, root).exit_code, 0);
  ProcessResult r = run_pond({"test"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "few_customers")) << r.out;
  EXPECT_TRUE(contains(r.out, "10")) << r.out;
  std::ifstream in(root / "target" / "run_results.json");
  nlohmann::json j = nlohmann::json::parse(in);
  bool found = false;
  for (const auto& res : j["results"]) {
    if (res["unique_id"].get<std::string>().find("few_customers") == std::string::npos) continue;
    found = true;
    EXPECT_EQ(res["status"], "fail");
    EXPECT_EQ(res["failures"], 10);
  }
  EXPECT_TRUE(found);
  // With severity warn the same test passes the invocation.
  write(root / "tests" / "few_customers.sql",
        "{{ config(severity='warn') }}\nselect * from {{ ref('customers') }} where customer_id > 90\n");
  r = run_pond({"test", "-s", "few_customers"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(PondTest, SnapshotRecordsChanges) {
  auto root = init_project();
  std::filesystem::remove(root / "snapshots" / "orders_snapshot.sql");  // reads a model this test does not build
  write(
      root / "snapshots" / "customers_snap.sql",
      "{% snapshot customers_snap %}\n{{ config(unique_key='id', strategy='check', check_cols=['last_name']) "
      "}}\nselect * from {{ ref('raw_customers') }}\n{% endsnapshot %}\n");
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  ProcessResult r = run_pond({"snapshot"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.customers_snap"), "100");
  ASSERT_EQ(
      run_pond({"show", "--inline", "update main.raw_customers set last_name = 'Z' where id <= 3"}, root)
          .exit_code,
      0);
  r = run_pond({"snapshot"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.customers_snap"), "103");
  EXPECT_EQ(scalar(root, "select count(*) from main.customers_snap where dbt_valid_to is null"), "100");
}

TEST_F(PondTest, IncrementalModelOverAnEphemeralWithHooks) {
  auto root = init_project();
  write(root / "models" / "staging" / "eph_orders.sql",
        "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('stg_orders') }}\n");
  write(root / "models" / "marts" / "order_events.sql",
        "{{ config(materialized='incremental', unique_key='order_id',\n"
        "          post_hook=\"insert into main.hook_log values ('{{ this }}')\") }}\n"
        "select order_id, status, order_date from {{ ref('eph_orders') }}\n"
        "{% if is_incremental() %}where order_date > (select max(order_date) from {{ this }}){% endif %}\n");
  {
    std::ofstream(root / "dbt_project.yml", std::ios::app)
        << "on-run-start: [\"create table if not exists main.hook_log (s varchar)\"]\n";
  }
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  ProcessResult r = run_pond({"run", "-s", "+order_events"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.order_events"), "100");
  EXPECT_EQ(rows_affected(root, "model.shop.order_events"), 100);
  EXPECT_EQ(scalar(root, "select count(*) from information_schema.tables where table_name = 'eph_orders'"),
            "0");
  EXPECT_EQ(scalar(root, "select count(*) from main.hook_log where s like '%order_events%'"), "1");

  // is_incremental() is true on the second run: only the new order is processed.
  ASSERT_EQ(
      run_pond({"show", "--inline", "insert into main.raw_orders values (101, 1, '2027-01-01', 'placed')"},
               root)
          .exit_code,
      0);
  r = run_pond({"run", "-s", "order_events"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.order_events"), "101");
  EXPECT_EQ(rows_affected(root, "model.shop.order_events"), 1);

  r = run_pond({"run", "-s", "order_events", "--full-refresh"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.order_events"), "101");
  EXPECT_EQ(rows_affected(root, "model.shop.order_events"), 101);
  EXPECT_TRUE(
      std::filesystem::exists(root / "target" / "run" / "shop" / "models" / "marts" / "order_events.sql"));
}

TEST_F(PondTest, CtrlCMidRunKeepsThePreviousTable) {
  auto root = init_project();
  write(root / "models" / "slow.sql",
        "{{ config(materialized='table') }}\nselect count(*) as n from range(10)\n");
  ASSERT_EQ(run_pond({"run", "-s", "slow"}, root).exit_code, 0);
  write(root / "models" / "slow.sql",
        "{{ config(materialized='table') }}\nselect count(*) as n from range(100000000000)\n");
  ProcessOptions po;
  po.signal_after = std::chrono::milliseconds(3000);
  ProcessResult r = run_pond({"run", "-s", "slow"}, root, po);
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_LT(r.elapsed, std::chrono::milliseconds(60000));
  EXPECT_EQ(scalar(root, "select n from main.slow"), "10");
}

TEST_F(PondTest, BuildSkipsWhatIsDownstreamOfAFailingTest) {
  auto root = init_project();
  write(root / "tests" / "no_freds.sql",
        "select * from {{ ref('stg_customers') }} where first_name = 'Fred'\n");
  ProcessResult r = run_pond({"build"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto st = statuses(root);
  EXPECT_EQ(st["test.shop.no_freds"], "fail");
  EXPECT_EQ(st["model.shop.customers"], "skipped");
  EXPECT_EQ(st["model.shop.orders"], "success");  // does not read stg_customers
  EXPECT_EQ(scalar(root, "select count(*) from main.orders"), "100");
}

TEST_F(PondTest, MicrobatchRunsTheWindowGivenOnTheCommandLine) {
  auto root = init_project();
  write(root / "models" / "orders_by_month.sql",
        "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='order_date',\n"
        "          batch_size='month', begin='2026-01-01') }}\n"
        "select id, order_date::timestamp as order_date from {{ ref('raw_orders') }}\n");
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  ProcessResult r = run_pond(
      {"run", "-s", "orders_by_month", "--event-time-start", "2026-01-01", "--event-time-end", "2026-02-01"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.orders_by_month"), "34");
  r = run_pond(
      {"run", "-s", "orders_by_month", "--event-time-start", "2026-02-01", "--event-time-end", "2026-04-01"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(scalar(root, "select count(*) from main.orders_by_month"), "92");
}

TEST_F(PondTest, RunWithBadSelectorIsAConfigError) {
  auto root = init_project();
  ProcessResult r = run_pond({"run", "--selector", "nope"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

}  // namespace pond::test
