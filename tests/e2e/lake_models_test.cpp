// Models into the lake: the example project (profile `lake:`) built by the real binary, its
// tables checked by query, the catalog checked for appends and positional deletes, atomic
// failures, snapshot ids in the run store, time travel, and readers during a run.
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/lake_project.hpp"

namespace pond::test {

namespace {

void append_line(const std::filesystem::path& p, const std::string& line) {
  std::ofstream(p, std::ios::app) << line << "\n";
}

// step unique_id -> lake snapshot of the latest run, from `pond runs show`.
std::map<std::string, std::string> step_snapshots(const std::filesystem::path& root) {
  ProcessResult list = run_pond({"runs", "-o", "json"}, root);
  EXPECT_EQ(list.exit_code, 0) << list.err;
  auto runs = nlohmann::json::parse(list.out);
  std::string id = runs.at(0).at("run_id").get<std::string>();
  ProcessResult show = run_pond({"runs", "show", id, "-o", "json"}, root);
  EXPECT_EQ(show.exit_code, 0) << show.err;
  std::map<std::string, std::string> out;
  for (const auto& s : nlohmann::json::parse(show.out)) {
    const auto& snap = s.at("snapshot");
    // print_json writes numbers as doubles (11.0).
    out[s.at("step").get<std::string>()] = snap.is_null()     ? "NULL"
                                           : snap.is_string() ? snap.get<std::string>()
                                                              : std::to_string(snap.get<long long>());
  }
  return out;
}

const char* kDailyFromOrders =
    "select order_date, count(*) as orders, sum(amount) as revenue from main.orders group by order_date";

}  // namespace

TEST_F(PondTest, ExampleBuildsIntoTheLake) {
  auto root = init_lake_project();
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "PASS=26")) << r.out;
  // Nothing went into a DuckDB file: the lake is the storage.
  EXPECT_FALSE(std::filesystem::exists(root / "shop.duckdb"));
  EXPECT_TRUE(std::filesystem::exists(root / "lake" / "catalog.sqlite"));

  EXPECT_EQ(rows(root, "select count(*), sum(amount) from main.orders"), "100,1995.0");
  EXPECT_EQ(rows(root, "select count(*) from main.customers where number_of_orders > 0"), "62");
  EXPECT_EQ(rows(root, "select count(*), sum(orders) from main.daily_revenue"), "67,100");
  // The incremental model's rows are exactly the rollup of orders.
  EXPECT_EQ(rows(root, std::string("select count(*) from ((select * from main.daily_revenue except ") +
                           kDailyFromOrders + ") union all (" + kDailyFromOrders +
                           " except select * from main.daily_revenue))"),
            "0");
  EXPECT_EQ(rows(root, "select orders, revenue from main.daily_revenue where order_date = date '2026-04-03'"),
            "2,58.0");
  EXPECT_EQ(rows(root, "select count(*), count(dbt_valid_to) from snapshots.orders_snapshot"), "100,0");

  ProcessResult tables = run_pond({"lake", "tables", "-o", "csv"}, root);
  ASSERT_EQ(tables.exit_code, 0) << tables.err;
  for (const char* t : {"main.raw_orders,", "main.orders,", "main.customers,", "main.daily_revenue,",
                        "snapshots.orders_snapshot,", "main.stg_orders (view),"})
    EXPECT_TRUE(contains(tables.out, t)) << t << "\n" << tables.out;
  // The staging views are lake views (ducklake_view), read by pond show.
  EXPECT_EQ(catalog_value(root, "SELECT count(*) FROM ducklake_view WHERE end_snapshot IS NULL"), "3");
  EXPECT_EQ(rows(root, "select count(*) from main.stg_payments"), "120");

  // Every model, seed and snapshot recorded the snapshot of its commit; tests none.
  auto snaps = step_snapshots(root);
  std::string orders_snap = snaps["model.shop.orders"];
  ASSERT_NE(orders_snap, "NULL");
  EXPECT_EQ(
      catalog_value(root,
                    "SELECT changes_made FROM ducklake_snapshot_changes WHERE snapshot_id = " + orders_snap),
      "created_table:\"main\".\"orders\",inserted_into_table:" +
          catalog_value(root,
                        "SELECT table_id FROM ducklake_table WHERE table_name = 'orders' AND end_snapshot "
                        "IS NULL"));
  for (const char* id : {"seed.shop.raw_orders", "model.shop.stg_orders", "model.shop.daily_revenue",
                         "snapshot.shop.orders_snapshot"})
    EXPECT_NE(snaps[id], "NULL") << id;
  EXPECT_EQ(snaps["test.shop.unique_orders_order_id.fed79b3a6e"], "NULL");
  // ... and the materialization events carry it too.
  ProcessResult runs_db = run_process({"sqlite3", (root / ".pond" / "state.db").string(),
                                       "select snapshot_id from asset_materializations where step_key = "
                                       "'model.shop.orders' order by id desc limit 1"});
  if (runs_db.exit_code == 0) {
    std::string v = runs_db.out;
    while (!v.empty() && v.back() == '\n') v.pop_back();
    EXPECT_EQ(v, orders_snap);
  }
}

TEST_F(PondTest, LakeIncrementalAppendsAndDeletesAndTimeTravels) {
  auto root = init_lake_project();
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string first = step_snapshots(root)["model.shop.daily_revenue"];
  ASSERT_NE(first, "NULL");
  const std::string table_id = catalog_value(
      root,
      "SELECT table_id FROM ducklake_table WHERE table_name = 'daily_revenue' AND end_snapshot IS NULL");
  const std::string live_files =
      "SELECT count(*) FROM ducklake_data_file WHERE end_snapshot IS NULL AND table_id = ";
  EXPECT_EQ(catalog_value(root, live_files + table_id), "1");
  std::string first_file =
      catalog_value(root, "SELECT data_file_id FROM ducklake_data_file WHERE table_id = " + table_id);

  // A new order on a new day, and an order whose status changes.
  append_line(root / "seeds" / "raw_orders.csv", "101,1,2026-04-09,placed");
  append_line(root / "seeds" / "raw_payments.csv", "121,101,credit_card,5000");
  std::string orders = read_file(root / "seeds" / "raw_orders.csv");
  auto at = orders.find("\n1,4,2026-03-20,placed\n");
  ASSERT_NE(at, std::string::npos);
  orders.replace(at, 22, "\n1,4,2026-03-20,shipped\n");
  write_file(root / "seeds" / "raw_orders.csv", orders);

  r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The merge re-computed the last days: two old rows deleted by position, three rows appended.
  EXPECT_EQ(rows(root, "select count(*), sum(orders) from main.daily_revenue"), "68,101");
  EXPECT_EQ(rows(root, "select orders, revenue from main.daily_revenue where order_date = date '2026-04-09'"),
            "1,50.0");
  EXPECT_EQ(rows(root, std::string("select count(*) from (select * from main.daily_revenue except ") +
                           kDailyFromOrders + ")"),
            "0");
  // No file was rewritten: the first file is still live, a second file and a delete file joined it.
  EXPECT_EQ(catalog_value(root, live_files + table_id), "2");
  EXPECT_EQ(
      catalog_value(root, "SELECT end_snapshot FROM ducklake_data_file WHERE data_file_id = " + first_file),
      "NULL");
  EXPECT_EQ(catalog_value(root,
                          "SELECT sum(delete_count) FROM ducklake_delete_file WHERE end_snapshot IS NULL AND "
                          "table_id = " +
                              table_id),
            "2");
  EXPECT_EQ(catalog_value(root,
                          "SELECT sum(record_count) FROM ducklake_data_file WHERE end_snapshot IS NULL AND "
                          "table_id = " +
                              table_id),
            "70");  // 67 + 3 appended; 2 of them deleted

  // The snapshot closed order 1's old version and added its new one plus order 101.
  EXPECT_EQ(rows(root, "select count(*), count(dbt_valid_to) from snapshots.orders_snapshot"), "102,1");
  EXPECT_EQ(
      rows(root, "select status from snapshots.orders_snapshot where order_id = 1 and dbt_valid_to is null"),
      "shipped");

  // Time travel: the model as the first run committed it.
  std::string second = step_snapshots(root)["model.shop.daily_revenue"];
  ASSERT_NE(first, second);
  EXPECT_EQ(rows(root, "select count(*), sum(orders) from lake_scan('main.daily_revenue', version => " +
                           first + ")"),
            "67,100");
  EXPECT_EQ(rows(root, "select count(*) from lake_scan('main.daily_revenue', version => " + first +
                           ") where order_date = date '2026-04-09'"),
            "0");
  EXPECT_EQ(rows(root, "select count(*), sum(orders) from lake_scan('main.daily_revenue', version => " +
                           second + ")"),
            "68,101");
}

TEST_F(PondTest, AFailingLakeModelCommitsNothing) {
  auto root = init_lake_project();
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Fails while its rows are being written (after the query started producing them).
  write_file(root / "models" / "broken.sql",
             "{{ config(materialized='table') }}\n"
             "select order_id, case when order_id > 50 then error('boom') else 1 end as x from {{ "
             "ref('orders') }}\n");
  write_file(root / "models" / "broken_inc.sql",
             "{{ config(materialized='incremental', unique_key='order_id') }}\n"
             "select order_id, {% if is_incremental() %}error('later'){% else %}1{% endif %} as x "
             "from {{ ref('orders') }}\n");
  r = run_pond({"run", "-s", "broken_inc"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::size_t before = snapshot_count(root);
  std::string files_before = catalog_value(root, "SELECT count(*) FROM ducklake_data_file");
  r = run_pond({"run", "-s", "broken", "broken_inc"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "boom")) << r.out;
  EXPECT_TRUE(contains(r.out, "later")) << r.out;
  EXPECT_EQ(snapshot_count(root), before);
  EXPECT_EQ(catalog_value(root, "SELECT count(*) FROM ducklake_data_file"), files_before);
  EXPECT_EQ(rows(root, "select count(*) from information_schema.tables where table_name = 'broken'"), "0");
  EXPECT_EQ(rows(root, "select count(*), sum(x) from main.broken_inc"), "100,100");
  // No parquet file of the failed writes stays behind.
  std::size_t parquet = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root / "lake" / "data"))
    if (e.path().extension() == ".parquet") ++parquet;
  EXPECT_EQ(std::to_string(parquet),
            catalog_value(root,
                          "SELECT (SELECT count(*) FROM ducklake_data_file) + (SELECT count(*) FROM "
                          "ducklake_delete_file)"));
}

TEST_F(PondTest, ReadersAreNotBlockedWhileALakeRunWrites) {
  auto root = init_lake_project();
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // A heavier model keeps the writer busy for a while.
  write_file(root / "models" / "big.sql",
             "{{ config(materialized='table') }}\nselect range as id, md5(range::varchar) as h from "
             "range(1000000)\n");
  std::atomic<bool> done{false};
  int writer_exit = -1;
  std::thread writer([&] {
    writer_exit = run_pond({"run"}, root).exit_code;
    done = true;
  });
  int reads = 0;
  while (!done) {
    ProcessResult s =
        run_pond({"show", "--inline", "select count(*) as n from main.orders", "-o", "csv"}, root);
    EXPECT_EQ(s.exit_code, 0) << s.err;
    EXPECT_EQ(s.out, "n\n100\n");
    ++reads;
  }
  writer.join();
  EXPECT_EQ(writer_exit, 0);
  EXPECT_GE(reads, 2);
}

TEST_F(PondTest, LakeMicrobatchCommitsOneSnapshotPerBatch) {
  auto root = init_lake_project();
  std::ofstream(root / "dbt_project.yml", std::ios::app)
      << "seeds:\n  shop:\n    raw_orders:\n      +event_time: order_date\n";
  write_file(
      root / "models" / "orders_by_month.sql",
      "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='order_date',\n"
      "          batch_size='month', begin='2026-01-01') }}\n"
      "select id, order_date::timestamp as order_date, status from {{ ref('raw_orders') }}\n");
  ASSERT_EQ(run_pond({"seed"}, root).exit_code, 0);
  ProcessResult r = run_pond(
      {"run", "-s", "orders_by_month", "--event-time-start", "2026-01-01", "--event-time-end", "2026-02-01"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows(root, "select count(*) from main.orders_by_month"), "34");
  std::size_t before = snapshot_count(root);
  r = run_pond(
      {"run", "-s", "orders_by_month", "--event-time-start", "2026-02-01", "--event-time-end", "2026-04-01"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows(root, "select count(*), min(order_date), max(order_date) from main.orders_by_month"),
            "92,2026-01-02 00:00:00,2026-03-30 00:00:00");
  EXPECT_EQ(snapshot_count(root), before + 2);  // February and March, one snapshot each
  // Re-running February replaces exactly its rows (positional deletes plus a new file).
  r = run_pond(
      {"run", "-s", "orders_by_month", "--event-time-start", "2026-02-01", "--event-time-end", "2026-03-01"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(rows(root, "select count(*), count(distinct id) from main.orders_by_month"), "92,92");
  EXPECT_EQ(
      catalog_value(root,
                    "SELECT changes_made FROM ducklake_snapshot_changes ORDER BY snapshot_id DESC LIMIT 1"),
      "deleted_from_table:" +
          catalog_value(root, "SELECT table_id FROM ducklake_table WHERE table_name = 'orders_by_month'") +
          ",inserted_into_table:" +
          catalog_value(root, "SELECT table_id FROM ducklake_table WHERE table_name = 'orders_by_month'"));
}

TEST_F(PondTest, DuckLakeAttachEntryAndDuckdbCatalog) {
  auto root = init_lake_project();
  // dbt-duckdb's style: an attach entry marked is_ducklake; models go to its alias.
  write_file(
      root / "profiles.yml",
      "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n"
      "      threads: 4\n      attach:\n        - path: 'ducklake:lake/meta.ducklake'\n"
      "          alias: my_lake\n          is_ducklake: true\n          options: {data_path: lake/files/}\n");
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(std::filesystem::exists(root / "lake" / "meta.ducklake"));
  EXPECT_TRUE(std::filesystem::is_directory(root / "lake" / "files" / "main" / "orders"));
  EXPECT_EQ(rows(root, "select count(*) from my_lake.main.orders"), "100");
  EXPECT_EQ(rows(root, "select count(*) from main.customers"), "100");
  r = run_pond({"lake", "snapshots", "-o", "csv"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "created_table:\"\"main\"\".\"\"daily_revenue\"\"")) << r.out;
}

}  // namespace pond::test

namespace pond::test {

// dbt's adapter on lake relations: get_relation says table or view as the lake does (DuckDB
// shows every lake relation as a view), and drop_relation drops from the lake, not only from
// the run's DuckDB view of it.
TEST_F(PondTest, AdapterSeesAndDropsLakeRelationsAsTheLakeHoldsThem) {
  auto root = init_lake_project();
  ASSERT_EQ(run_pond({"build"}, root).exit_code, 0);
  write_file(
      root / "macros" / "lake_ops.sql",
      "{% macro kinds() %}\n"
      "  {% for name in ['raw_payments', 'stg_orders'] %}\n"
      "    {% set rel = adapter.get_relation(database=target.database, schema='main', identifier=name) %}\n"
      "    {% do log('kind ' ~ name ~ ' ' ~ rel.type ~ ' ' ~ rel.is_table, info=true) %}\n"
      "  {% endfor %}\n"
      "  {% for rel in adapter.list_relations_without_caching(api.Relation.create(database=target.database,"
      " schema='main')) %}\n"
      "    {% if rel.identifier == 'raw_payments' %}{% do log('listed ' ~ rel.type, info=true) %}{% endif "
      "%}\n"
      "  {% endfor %}\n"
      "{% endmacro %}\n"
      "{% macro drop_it(name) %}\n"
      "  {% set rel = adapter.get_relation(database=target.database, schema='main', identifier=name) %}\n"
      "  {% do adapter.drop_relation(rel) %}\n"
      "{% endmacro %}\n");
  ProcessResult r = run_pond({"run-operation", "kinds"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "kind raw_payments table True")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "kind stg_orders view False")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, "listed table")) << r.out << r.err;

  for (const char* name : {"raw_payments", "stg_orders"}) {
    r = run_pond({"run-operation", "drop_it", "--args", std::string("{name: ") + name + "}"}, root);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ProcessResult tables = run_pond({"lake", "tables", "-o", "csv"}, root);
  ASSERT_EQ(tables.exit_code, 0) << tables.err;
  EXPECT_FALSE(contains(tables.out, "main.raw_payments,")) << tables.out;
  EXPECT_FALSE(contains(tables.out, "main.stg_orders (view),")) << tables.out;
  EXPECT_TRUE(contains(tables.out, "main.raw_orders,")) << tables.out;
}

}  // namespace pond::test
