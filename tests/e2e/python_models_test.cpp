// Python models (dbt-duckdb's `def model(dbt, session)`) run by the real binary: a missing
// python3 or pandas fails that model only, excluding them never blocks a project, print() output
// stays out of the protocol, and the lake target materializes them like SQL models.
#include "e2e/lake_project.hpp"
#include "e2e/mini_project.hpp"

namespace pond::test {

namespace {

const char* kSystemPython = "/usr/bin/python3";

void write_python_models(const std::filesystem::path& root) {
  write_file(root / "models" / "items.sql", "select * from {{ ref('raw_items') }}\n");
  write_file(root / "models" / "priced.py",
             "def model(dbt, session):\n"
             "    dbt.config(materialized='table')\n"
             "    print('computing prices')  # goes to the log, not into the protocol\n"
             "    df = dbt.ref('items').df()\n"
             "    df['double_price'] = df['price'] * 2\n"
             "    return df\n");
  write_file(root / "models" / "cheap.sql", "select * from {{ ref('priced') }} where double_price < 4\n");
}

}  // namespace

TEST_F(PondTest, PythonModelFeedsSqlModel) {
  auto root = dir_ / "mini";
  write_mini_project(root);
  write_python_models(root);
  ProcessOptions o;
  o.env["POND_PYTHON"] = kSystemPython;
  ProcessResult r = run_pond({"build"}, root, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "OK created python table model main.priced")) << r.out;
  EXPECT_EQ(query_value(root, "select string_agg(name, ',' order by id) from cheap"), "\"apple,plum\"");
  EXPECT_EQ(query_value(root, "select typeof(double_price) from priced limit 1"), "DOUBLE");
  EXPECT_FALSE(std::filesystem::exists(root / "target" / "python") &&
               !std::filesystem::is_empty(root / "target" / "python"));  // work folders removed
}

TEST_F(PondTest, MissingPythonFailsThatModelOnly) {
  auto root = dir_ / "mini";
  write_mini_project(root);
  write_python_models(root);
  ProcessOptions o;
  o.env["POND_PYTHON"] = (dir_ / "no-such-python3").string();
  ProcessResult r = run_pond({"build"}, root, o);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto statuses = result_statuses(root);
  EXPECT_EQ(statuses["model.mini.items"], "success");
  EXPECT_EQ(statuses["model.mini.priced"], "error");
  EXPECT_EQ(statuses["model.mini.cheap"], "skipped");
  EXPECT_TRUE(contains(r.out, "cannot be started")) << r.out;
  EXPECT_TRUE(contains(r.out, "POND_PYTHON")) << r.out;

  // Excluding the Python model and what depends on it: nothing blocks the rest.
  ProcessResult ex = run_pond({"build", "--exclude", "priced+"}, root, o);
  EXPECT_EQ(ex.exit_code, 0) << ex.out << ex.err;
}

TEST_F(PondTest, MissingPandasIsAClearErrorWithAHint) {
  auto root = dir_ / "mini";
  write_mini_project(root);
  write_python_models(root);
  // A pandas that cannot be imported, ahead of the real one on the path.
  write_file(dir_ / "nopandas" / "pandas.py",
             "raise ModuleNotFoundError(\"No module named 'pandas'\", name='pandas')\n");
  ProcessOptions o;
  o.env["POND_PYTHON"] = kSystemPython;
  o.env["PYTHONPATH"] = (dir_ / "nopandas").string();
  ProcessResult r = run_pond({"build"}, root, o);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "pandas is not installed")) << r.out;
  EXPECT_TRUE(contains(r.out, "apt-get install python3-pandas")) << r.out;
  EXPECT_TRUE(contains(r.out, "models/priced.py\", line 4, in model")) << r.out;
  EXPECT_EQ(result_statuses(root)["model.mini.cheap"], "skipped");
}

TEST_F(PondTest, CtrlCStopsARunningPythonModel) {
  auto root = dir_ / "mini";
  write_mini_project(root);
  write_file(root / "models" / "slow.py",
             "import time\n\n\ndef model(dbt, session):\n    dbt.config(materialized='table')\n"
             "    time.sleep(60)\n    return [(1,)]\n");
  ProcessOptions o;
  o.env["POND_PYTHON"] = kSystemPython;
  o.signal_after = std::chrono::milliseconds(1500);
  auto t0 = std::chrono::steady_clock::now();
  ProcessResult r = run_pond({"run"}, root, o);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_LT(seconds, 20) << "the model's python3 was not stopped";
}

TEST_F(PondTest, PythonModelAsViewIsRefusedAsDbtDoes) {
  auto root = dir_ / "mini";
  write_mini_project(root);
  write_file(root / "models" / "v.py", "def model(dbt, session):\n    return dbt.ref('raw_items')\n");
  ProcessOptions o;
  o.env["POND_PYTHON"] = kSystemPython;
  ProcessResult r = run_pond({"build"}, root, o);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "materialized as 'table' or 'incremental'")) << r.out;
}

TEST_F(PondTest, PythonModelsIntoTheLake) {
  auto root = init_lake_project();
  write_file(root / "models" / "order_stats.py",
             "def model(dbt, session):\n"
             "    dbt.config(materialized='incremental', unique_key='customer_id')\n"
             "    orders = dbt.ref('orders')\n"
             "    return orders.aggregate('customer_id, count(*) as n', 'customer_id')\n");
  ProcessOptions o;
  o.env["POND_PYTHON"] = kSystemPython;
  ASSERT_EQ(run_pond({"seed"}, root, o).exit_code, 0);
  ProcessResult r = run_pond({"run", "--select", "+order_stats"}, root, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows(root, "select sum(n) from main.order_stats"), "100");
  EXPECT_EQ(catalog_value(root, "select count(*) from ducklake_table where table_name = 'order_stats'"), "1");
  ProcessResult again = run_pond({"run", "--select", "order_stats"}, root, o);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(rows(root, "select count(*) = count(distinct customer_id), sum(n) from main.order_stats"),
            "true,100");
}

}  // namespace pond::test
