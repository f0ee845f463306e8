// Statement blocks and run_query() against the real target database, in pond run and in pond
// compile (which connects only when a node asks the database something).
#include <fstream>

#include "e2e/pond_runner.hpp"

namespace pond::test {

namespace {

class StatementsTest : public PondTest {
 protected:
  std::filesystem::path copy_jaffle_shop() {
    std::filesystem::path to = dir_ / "jaffle_shop";
    std::filesystem::copy(std::filesystem::path(POND_SOURCE_DIR) / "tests/projects/jaffle_shop", to,
                          std::filesystem::copy_options::recursive);
    return to;
  }
};

const char* kModel = R"SQL({% call statement('n_orders', fetch_result=True) %}
  select count(*) as n from {{ ref('raw_orders') }}
{% endcall %}
{% if execute %}
  {% set n = load_result('n_orders')['data'][0][0] %}
  {% set statuses = run_query("select distinct status from " ~ ref('raw_orders') ~ " order by 1") %}
  {% set names = statuses.columns[0].values() | join('|') %}
{% else %}
  {% set n = 0 %}{% set names = '' %}
{% endif %}
select {{ n }} as n_orders, {{ n * 2 }} as doubled, '{{ names }}' as statuses
)SQL";

}  // namespace

TEST_F(StatementsTest, StatementBlocksAndRunQueryReadTheTargetDatabase) {
  auto root = copy_jaffle_shop();
  // Compiling a project that asks the database nothing does not create the database file.
  ProcessResult r = run_pond({"compile", "-s", "orders"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(root / "jaffle_shop.duckdb"));

  std::filesystem::create_directories(root / "models" / "extra");
  std::ofstream(root / "models" / "extra" / "order_stats.sql") << kModel;
  r = run_pond({"seed", "-s", "raw_orders"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run_pond({"run", "-s", "order_stats"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run_pond({"show", "--inline", "select n_orders, doubled, statuses from main.order_stats", "-o", "csv"},
               root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "n_orders,doubled,statuses\n100,200,completed|placed|return_pending|returned|shipped\n");

  // pond compile connects as dbt compile does, so the same SQL comes out.
  r = run_pond({"compile", "-s", "order_stats"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(
      r.out, "select 100 as n_orders, 200 as doubled, 'completed|placed|return_pending|returned|shipped'"))
      << r.out;
}

}  // namespace pond::test
