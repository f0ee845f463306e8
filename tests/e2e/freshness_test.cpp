// pond source freshness: max(loaded_at_field) against warn_after/error_after, sources.json,
// exit codes, selection, the run store.
#include "e2e/mini_project.hpp"
#include "runstore/run_store.hpp"

namespace pond::test {

namespace {

const char* kSources = R"(version: 2
sources:
  - name: raw
    schema: main
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 1, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: fresh
      - name: warned
      - name: stale
      - name: naive          # a TIMESTAMP without time zone is read as UTC
      - name: filtered
        freshness:
          warn_after: {count: 30, period: minute}
          filter: "kind = 'old'"
      - name: broken
        loaded_at_field: no_such_column
      - name: unchecked
        freshness: null
)";

class FreshnessTest : public PondTest {
 protected:
  std::filesystem::path root() { return dir_ / "mini"; }
  void SetUp() override {
    write_mini_project(root());
    write_file(root() / "models" / "sources.yml", kSources);
    const char* setup[] = {
        "create table fresh as select now() - interval 10 minute as loaded_at",
        "create table warned as select now() - interval 2 hour as loaded_at union all "
        "select now() - interval 5 hour",
        "create table stale as select now() - interval 3 day as loaded_at",
        "create table naive as select (now() at time zone 'UTC') - interval 2 hour as loaded_at",
        "create table filtered as select now() - interval 1 minute as loaded_at, 'new' as kind "
        "union all select now() - interval 45 minute, 'old'",
        "create table broken as select now() as loaded_at",
        "create table unchecked as select now() - interval 300 day as loaded_at"};
    for (const char* sql : setup) {
      ProcessResult r = run_pond({"show", "--inline", sql}, root());
      ASSERT_EQ(r.exit_code, 0) << sql << r.out << r.err;
    }
  }
  nlohmann::json sources_json() {
    std::ifstream in(root() / "target" / "sources.json");
    EXPECT_TRUE(in.good());
    return in ? nlohmann::json::parse(in) : nlohmann::json();
  }
};

}  // namespace

TEST_F(FreshnessTest, ChecksEverySourceWithAPolicy) {
  ProcessResult r = run_pond({"source", "freshness", "--threads", "1"}, root());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "PASS freshness of raw.fresh")) << r.out;
  EXPECT_TRUE(contains(r.out, "WARN freshness of raw.warned")) << r.out;
  EXPECT_TRUE(contains(r.out, "ERROR STALE freshness of raw.stale")) << r.out;
  EXPECT_TRUE(contains(r.out, "[ERROR STALE in ")) << r.out;
  EXPECT_TRUE(contains(r.out, "WARN freshness of raw.naive")) << r.out;
  EXPECT_TRUE(contains(r.out, "WARN freshness of raw.filtered")) << r.out;
  EXPECT_TRUE(contains(r.out, "ERROR freshness of raw.broken")) << r.out;
  EXPECT_TRUE(contains(r.out, "no_such_column")) << r.out;
  EXPECT_FALSE(contains(r.out, "unchecked")) << r.out;
  // A freshness run leaves run_results.json alone (dbt writes sources.json only).
  EXPECT_FALSE(std::filesystem::exists(root() / "target" / "run_results.json"));

  nlohmann::json j = sources_json();
  EXPECT_EQ(j["metadata"]["dbt_schema_version"], "https://schemas.getdbt.com/dbt/sources/v3.json");
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& res : j["results"]) by_id[res["unique_id"].get<std::string>()] = res;
  ASSERT_EQ(by_id.size(), 6u) << j.dump(2);
  EXPECT_EQ(by_id["source.mini.raw.fresh"]["status"], "pass");
  EXPECT_EQ(by_id["source.mini.raw.warned"]["status"], "warn");
  EXPECT_EQ(by_id["source.mini.raw.stale"]["status"], "error");
  EXPECT_EQ(by_id["source.mini.raw.naive"]["status"], "warn");
  EXPECT_EQ(by_id["source.mini.raw.filtered"]["status"], "warn");
  EXPECT_EQ(by_id["source.mini.raw.broken"]["status"], "runtime error");
  EXPECT_TRUE(contains(by_id["source.mini.raw.broken"]["error"].get<std::string>(), "no_such_column"));
  // max(loaded_at) is the newest row: about 2 hours old, as is the naive UTC timestamp.
  double age = by_id["source.mini.raw.warned"]["max_loaded_at_time_ago_in_s"].get<double>();
  EXPECT_GT(age, 7150);
  EXPECT_LT(age, 7300);
  double naive_age = by_id["source.mini.raw.naive"]["max_loaded_at_time_ago_in_s"].get<double>();
  EXPECT_GT(naive_age, 7150);
  EXPECT_LT(naive_age, 7300);
  double filtered_age = by_id["source.mini.raw.filtered"]["max_loaded_at_time_ago_in_s"].get<double>();
  EXPECT_GT(filtered_age, 45 * 60 - 30);
  const nlohmann::json& stale = by_id["source.mini.raw.stale"];
  EXPECT_EQ(stale["criteria"]["error_after"], (nlohmann::json{{"count", 1}, {"period", "day"}}));
  EXPECT_EQ(stale["criteria"]["warn_after"], (nlohmann::json{{"count", 1}, {"period", "hour"}}));
  EXPECT_TRUE(stale["criteria"]["filter"].is_null());
  EXPECT_EQ(by_id["source.mini.raw.filtered"]["criteria"]["filter"], "kind = 'old'");
  EXPECT_TRUE(by_id["source.mini.raw.filtered"]["criteria"]["error_after"]["count"].is_null());
  EXPECT_TRUE(contains(stale["max_loaded_at"].get<std::string>(), "+00:00"));
  EXPECT_TRUE(stale.contains("snapshotted_at"));

  // Recorded as a run with a step and a freshness check per source.
  auto store = runstore::RunStore::open(root() / ".pond" / "state.db");
  auto runs = store.recent_runs(1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].command, "source freshness");
  EXPECT_EQ(runs[0].status, "error");
  EXPECT_EQ(store.steps_of(runs[0].run_id).size(), 6u);
  auto checks = store.checks_of_run(runs[0].run_id);
  ASSERT_EQ(checks.size(), 6u);
  EXPECT_EQ(checks[0].check_name, "freshness");
}

TEST_F(FreshnessTest, SelectionAndOutputPath) {
  ProcessResult r = run_pond(
      {"source", "freshness", "-s", "source:raw.fresh", "source:raw.warned", "-o", "out/fresh.json"}, root());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // a warning is not a failure
  nlohmann::json j = nlohmann::json::parse(read_file(root() / "out" / "fresh.json"));
  EXPECT_EQ(j["results"].size(), 2u) << j.dump(2);
  EXPECT_FALSE(std::filesystem::exists(root() / "target" / "sources.json"));
}

// dbt 1.10's loaded_at_query (a query giving the last load time, Jinja rendered with `this`)
// and a freshness filter with Jinja in it.
const char* kCustomSources = R"(version: 2
sources:
  - name: custom
    schema: main
    freshness:
      warn_after: {count: 1, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: ok_loads
        identifier: loads
        config:
          loaded_at_query: "select max(finished_at) from {{ this }} where status = 'ok'"
      - name: any_loads
        identifier: loads
        loaded_at_field: no_such_column   # loaded_at_query wins
        config:
          loaded_at_query: "select max(finished_at) from main.loads;"
      - name: by_kind
        identifier: filtered
        loaded_at_field: loaded_at
        freshness:
          warn_after: {count: 30, period: minute}
          filter: "kind = '{{ var('kind', 'old') }}'"
      - name: no_value
        identifier: loads
        config:
          loaded_at_query: "select null::timestamp"
)";

TEST_F(FreshnessTest, LoadedAtQueryAndJinjaInTheFilter) {
  write_file(root() / "models" / "custom_sources.yml", kCustomSources);
  ProcessResult r =
      run_pond({"show", "--inline",
                "create table loads as select now() - interval 3 day as finished_at, 'ok' as status "
                "union all select now() - interval 5 minute, 'failed'"},
               root());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_pond({"source", "freshness", "-s", "source:custom", "--threads", "1"}, root());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "ERROR STALE freshness of custom.ok_loads")) << r.out;
  EXPECT_TRUE(contains(r.out, "PASS freshness of custom.any_loads")) << r.out;
  EXPECT_TRUE(contains(r.out, "WARN freshness of custom.by_kind")) << r.out;  // 'old': 45 minutes
  EXPECT_TRUE(contains(r.out, "ERROR freshness of custom.no_value")) << r.out;
  EXPECT_TRUE(contains(r.out, "loaded_at_query of source custom.no_value but received value 'null'"))
      << r.out;

  nlohmann::json j = sources_json();
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& x : j["results"]) by_id[x["unique_id"].get<std::string>()] = x;
  ASSERT_EQ(by_id.size(), 4u) << j.dump(2);
  const auto& ok = by_id["source.mini.custom.ok_loads"];
  EXPECT_EQ(ok["status"], "error");
  EXPECT_NEAR(ok["max_loaded_at_time_ago_in_s"].get<double>(), 3 * 86400.0, 120.0) << ok;
  EXPECT_NEAR(by_id["source.mini.custom.any_loads"]["max_loaded_at_time_ago_in_s"].get<double>(), 300.0,
              120.0);
  EXPECT_EQ(by_id["source.mini.custom.by_kind"]["criteria"]["filter"], "kind = 'old'");
  EXPECT_EQ(by_id["source.mini.custom.no_value"]["status"], "runtime error");

  // The filter's Jinja sees --vars: the 'new' rows are a minute old.
  r = run_pond({"source", "freshness", "-s", "source:custom.by_kind", "--vars", "{kind: new}"}, root());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "PASS freshness of custom.by_kind")) << r.out;
  EXPECT_EQ(sources_json()["results"][0]["criteria"]["filter"], "kind = 'new'");
}

TEST_F(FreshnessTest, BadPolicyIsAConfigurationError) {
  std::string text = kSources;
  text.replace(text.find("period: day"), 11, "period: days");
  write_file(root() / "models" / "sources.yml", text);
  ProcessResult r = run_pond({"source", "freshness"}, root());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "models/sources.yml")) << r.err;
  EXPECT_TRUE(contains(r.err, "period must be minute, hour or day, not 'days'")) << r.err;
}

}  // namespace pond::test
