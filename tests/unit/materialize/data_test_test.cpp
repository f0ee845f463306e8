#include "materialize/data_test.hpp"

#include <gtest/gtest.h>

#include "engine/error.hpp"
#include "helpers.hpp"
#include "materialize/backend.hpp"

namespace pond::materialize {

using testing::Db;

namespace {

struct Fixture {
  Db t;
  Session s{t.con};
  DuckDbBackend backend;
  Fixture() {
    t.con.execute(
        "create table customers as select * from (values (1, 'active'), (2, 'churned'), (2, 'weird'), "
        "(null, 'active')) v(id, status);"
        "create table orders as select * from (values (10, 1), (11, 2), (12, 99), (13, null)) v(id, "
        "customer_id)");
  }
  TestResult run(const std::string& sql, TestSpec spec = {}) {
    spec.unique_id = "test.t.x";
    spec.name = "x";
    spec.sql = sql;
    return run_data_test(s, backend, spec);
  }
};

}  // namespace

TEST(DataTest, FourGenericTests) {
  Fixture f;
  auto nn = f.run(not_null_test_sql("main.customers", "id"));
  EXPECT_EQ(nn.status, TestStatus::kFail);
  EXPECT_EQ(nn.failures, 1);
  EXPECT_EQ(nn.message, "Got 1 result, configured to fail if != 0");
  auto uq = f.run(unique_test_sql("main.customers", "id"));
  EXPECT_EQ(uq.status, TestStatus::kFail);
  EXPECT_EQ(uq.failures, 1);
  auto av = f.run(accepted_values_test_sql("main.customers", "status", {"active", "churned"}));
  EXPECT_EQ(av.failures, 1);
  auto av_ok = f.run(accepted_values_test_sql("main.customers", "status", {"active", "churned", "weird"}));
  EXPECT_EQ(av_ok.status, TestStatus::kPass);
  EXPECT_EQ(av_ok.failures, 0);
  auto rel = f.run(relationships_test_sql("main.orders", "customer_id", "main.customers", "id"));
  EXPECT_EQ(rel.status, TestStatus::kFail);
  EXPECT_EQ(rel.failures, 1);  // 99; NULL is not checked
  // `where` narrows the model.
  auto where = f.run(not_null_test_sql(apply_where("main.customers", "status <> 'active'"), "id"));
  EXPECT_EQ(where.status, TestStatus::kPass);
}

TEST(DataTest, SeverityThresholdsAndFailCalc) {
  Fixture f;
  std::string sql = "select * from main.orders";  // 4 rows
  TestSpec warn;
  warn.severity = Severity::kWarn;
  auto w = f.run(sql, warn);
  EXPECT_EQ(w.status, TestStatus::kWarn);
  EXPECT_EQ(w.failures, 4);
  EXPECT_EQ(w.message, "Got 4 results, configured to warn if != 0");

  TestSpec thresholds;
  thresholds.warn_if = ">= 2";
  thresholds.error_if = "> 4";
  EXPECT_EQ(f.run(sql, thresholds).status, TestStatus::kWarn);
  thresholds.error_if = ">= 4";
  EXPECT_EQ(f.run(sql, thresholds).status, TestStatus::kFail);
  thresholds.warn_if = "> 10";
  thresholds.error_if = "> 10";
  EXPECT_EQ(f.run(sql, thresholds).status, TestStatus::kPass);

  TestSpec limited;
  limited.limit = 2;
  EXPECT_EQ(f.run(sql, limited).failures, 2);

  TestSpec calc;
  calc.fail_calc = "sum(id)";
  EXPECT_EQ(f.run(sql, calc).failures, 46);

  EXPECT_THROW(f.run("select * from no_such_table"), engine::EngineError);
}

TEST(DataTest, StoreFailuresAsTableOrView) {
  Fixture f;
  TestSpec spec;
  spec.store_failures = true;
  spec.audit_relation = {"", "main_dbt_test__audit", "not_null_customers_id"};
  auto r = f.run(not_null_test_sql("main.customers", "id", true), spec);
  EXPECT_EQ(r.status, TestStatus::kFail);
  ASSERT_TRUE(r.stored);
  EXPECT_NE(r.message.find("main_dbt_test__audit"), std::string::npos);
  EXPECT_EQ(f.t.rows("select status from main_dbt_test__audit.not_null_customers_id"), "active");
  EXPECT_EQ(
      f.t.rows("select table_type from information_schema.tables where table_name = 'not_null_customers_id'"),
      "BASE TABLE");
  spec.store_failures_as = "view";
  f.run(not_null_test_sql("main.customers", "id", true), spec);
  EXPECT_EQ(
      f.t.rows("select table_type from information_schema.tables where table_name = 'not_null_customers_id'"),
      "VIEW");
  spec.store_failures_as = "ephemeral";
  EXPECT_FALSE(f.run(not_null_test_sql("main.customers", "id"), spec).stored);
}

}  // namespace pond::materialize
