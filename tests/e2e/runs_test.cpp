// `pond runs` over a run store prepared with the library (pond run itself records runs once the
// commands exist).
#include <nlohmann/json.hpp>

#include "e2e/pond_runner.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {

TEST_F(PondTest, RunsWithoutAStoreSaysSo) {
  auto root = init_project();
  ProcessResult r = run_pond({"runs"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "No runs recorded yet")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(root / ".pond" / "state.db"));
}

TEST_F(PondTest, RunsListsAndShowsRecordedRuns) {
  auto root = init_project();
  std::string id;
  {
    auto store = runstore::RunStore::open(root / ".pond" / "state.db");
    id = random_uuid();
    store.start_run({id, "build", "+customers", "{}", "running", "2026-11-21T10:00:00.000000Z", "", "dev",
                     "cli", "", ""});
    runstore::StepRecord s;
    s.run_id = id;
    s.step_key = "model.shop.customers";
    s.resource_type = "model";
    s.status = "error";
    s.message = "Binder Error: column nope not found\nLINE 1: ...";
    s.step_index = 1;
    s.duration_ms = 12.5;
    store.record_step(s);
    runstore::StepRecord big;
    big.run_id = id;
    big.step_key = "model.shop.orders";
    big.resource_type = "model";
    big.status = "success";
    big.step_index = 2;
    big.duration_ms = 3.0;
    big.rows_affected = 1234567890123456789LL;
    big.failures = 0;
    big.lake_snapshot = 1000000000000000001LL;
    store.record_step(big);
    store.finish_run(id, "error", "2026-11-21T10:00:02.500000Z", R"({"counts":{"error":1},"total":1})");
  }
  ProcessResult r = run_pond({"runs"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, id)) << r.out;
  EXPECT_TRUE(contains(r.out, "2.50s")) << r.out;
  EXPECT_TRUE(contains(r.out, "error=1")) << r.out;

  r = run_pond({"runs", "show", id.substr(0, 8)}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "run " + id)) << r.out;
  EXPECT_TRUE(contains(r.out, "model.shop.customers")) << r.out;
  EXPECT_TRUE(contains(r.out, "Binder Error: column nope not found")) << r.out;

  r = run_pond({"runs", "show", id, "-o", "json"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"status\": \"error\"")) << r.out;

  r = run_pond({"runs", "show", id, "-o", "json"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = nlohmann::json::parse(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  // Integers stay integers in JSON (they were DOUBLE columns once: 1.0, 1e+18).
  const auto& big = rows[1];
  EXPECT_TRUE(big["#"].is_number_integer()) << r.out;
  EXPECT_EQ(big["#"].get<std::int64_t>(), 2);
  EXPECT_EQ(big["rows"].get<std::int64_t>(), 1234567890123456789LL) << r.out;
  EXPECT_EQ(big["failures"].get<std::int64_t>(), 0) << r.out;
  EXPECT_TRUE(big["failures"].is_number_integer()) << r.out;
  EXPECT_EQ(big["snapshot"].get<std::int64_t>(), 1000000000000000001LL) << r.out;
  EXPECT_TRUE(rows[0]["rows"].is_null()) << r.out;
  EXPECT_DOUBLE_EQ(rows[0]["duration_ms"].get<double>(), 12.5) << r.out;
  EXPECT_TRUE(contains(r.out, "\"rows\": 1234567890123456789")) << r.out;

  r = run_pond({"runs", "show", "ffffffff-nope"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "pond runs")) << r.err;
}

}  // namespace pond::test
