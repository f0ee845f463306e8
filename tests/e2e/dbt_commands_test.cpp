// dbt commands and flags a dbt user reaches for beyond run/build: clean, run-operation,
// --target-path, -q/--quiet and --store-failures, against the real binary.
#include <gtest/gtest.h>

#include <sstream>

#include "e2e/mini_project.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

class DbtCommands : public PondTest {
 protected:
  fs::path project() {
    fs::path root = dir_ / "mini";
    write_mini_project(root);
    write_file(root / "models" / "items.sql", "select * from {{ ref('raw_items') }}\n");
    return root;
  }
};

TEST_F(DbtCommands, CleanDeletesTheCleanTargetsAndRefusesSourcePaths) {
  fs::path root = project();
  ASSERT_EQ(run_pond({"parse"}, root).exit_code, 0);
  ASSERT_TRUE(fs::exists(root / "target" / "manifest.json"));
  fs::create_directories(root / "dbt_packages" / "x");
  // Default: the target path only.
  ProcessResult r = run_pond({"clean"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Cleaned target/*"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Finished cleaning all paths."), std::string::npos);
  EXPECT_FALSE(fs::exists(root / "target"));
  EXPECT_TRUE(fs::exists(root / "dbt_packages"));

  // A source path among clean-targets: nothing is deleted.
  std::string yml = read_file(root / "dbt_project.yml");
  write_file(root / "dbt_project.yml", yml + "clean-targets: [dbt_packages, models]\n");
  r = run_pond({"clean"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("will not clean the following source paths: models"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(root / "dbt_packages" / "x"));
  EXPECT_TRUE(fs::exists(root / "models" / "items.sql"));

  // Outside the project: refused unless --no-clean-project-files-only.
  fs::create_directories(dir_ / "elsewhere");
  write_file(root / "dbt_project.yml", yml + "clean-targets: [dbt_packages, ../elsewhere]\n");
  r = run_pond({"clean"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("outside the project: ../elsewhere"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "elsewhere"));
  r = run_pond({"clean", "--no-clean-project-files-only"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere"));
  EXPECT_FALSE(fs::exists(root / "dbt_packages"));
}

TEST_F(DbtCommands, RunOperationCallsTheMacroWithArgsAgainstTheTarget) {
  fs::path root = project();
  write_file(root / "macros" / "ops.sql",
             "{% macro make_table(name, n=2) %}\n"
             "  {% do run_query('create or replace table ' ~ name ~ ' as select range as i from range(' ~ n "
             "~ ')') %}\n"
             "  {% do log('made ' ~ name, info=true) %}\n"
             "{% endmacro %}\n"
             "{% macro broken() %}{% do run_query('select * from no_such_table') %}{% endmacro %}\n");
  ProcessResult r = run_pond({"run-operation", "make_table", "--args", "{name: ops_out, n: 5}"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(query_value(root, "select count(*) from ops_out"), "5");
  EXPECT_EQ(result_statuses(root)["macro.mini.make_table"], "success");

  // package.name, and defaults of the macro's arguments.
  r = run_pond({"run-operation", "mini.make_table", "--args", "{name: ops_two}"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(query_value(root, "select count(*) from ops_two"), "2");

  r = run_pond({"run-operation", "broken"}, root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Encountered an error while running operation"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no_such_table"), std::string::npos) << r.err;
  EXPECT_EQ(result_statuses(root)["macro.mini.broken"], "error");

  r = run_pond({"run-operation", "make_tabel"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'make_table'"), std::string::npos) << r.err;
  r = run_pond({"run-operation", "make_table", "--args", "[1, 2]"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--args must be a YAML mapping"), std::string::npos) << r.err;
}

TEST_F(DbtCommands, TargetPathFlagAndEnvironmentMoveTheArtifacts) {
  fs::path root = project();
  ProcessResult r = run_pond({"build", "--target-path", "out/a"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(root / "out" / "a" / "run_results.json"));
  EXPECT_TRUE(fs::exists(root / "out" / "a" / "manifest.json"));
  EXPECT_FALSE(fs::exists(root / "target" / "run_results.json"));
  ProcessOptions env;
  env.env.emplace("DBT_TARGET_PATH", "out/b");
  r = run_pond({"parse"}, root, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(root / "out" / "b" / "manifest.json"));
  // clean follows the same target path.
  r = run_pond({"clean", "--target-path", "out/a"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(root / "out" / "a"));
  EXPECT_TRUE(fs::exists(root / "out" / "b"));
}

TEST_F(DbtCommands, QuietPrintsOnlyFailures) {
  fs::path root = project();
  write_file(root / "models" / "bad.sql", "select * from no_such_table\n");
  ProcessResult r = run_pond({"run", "-q"}, root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.find("START"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Done. PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ERROR creating"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no_such_table"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("Found"), std::string::npos) << r.err;  // info logs are off
  fs::remove(root / "models" / "bad.sql");
  r = run_pond({"--quiet", "build"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(DbtCommands, StoreFailuresFlagKeepsFailingRowsUnlessTheTestSaysOtherwise) {
  fs::path root = project();
  write_file(root / "models" / "schema.yml",
             "version: 2\nmodels:\n  - name: items\n    columns:\n      - name: price\n"
             "        data_tests:\n          - accepted_values:\n              values: [1.5]\n"
             "      - name: name\n        data_tests:\n          - accepted_values:\n"
             "              values: [apple]\n              config: {store_failures: false}\n");
  ProcessResult r = run_pond({"build", "--store-failures"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(query_value(root, "select count(*) from main_dbt_test__audit.accepted_values_items_price__1_5"),
            "2");
  EXPECT_EQ(query_value(root,
                        "select count(*) from information_schema.tables where table_name like "
                        "'accepted_values_items_name%'"),
            "0");
}

TEST_F(DbtCommands, WarnErrorTurnsWarningsIntoFailures) {
  fs::path root = project();
  write_file(root / "models" / "schema.yml",
             "version: 2\nmodels:\n  - name: items\n    columns:\n      - name: price\n"
             "        data_tests:\n          - accepted_values:\n              values: [1.5]\n"
             "              config: {severity: warn}\n");
  // Without the flag: a warning test, exit 0.
  ProcessResult r = run_pond({"build"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& [id, status] : result_statuses(root))
    if (id.rfind("test.mini.accepted_values", 0) == 0) {
      EXPECT_EQ(status, "warn") << id;
    }
  // --warn-error: the warning test fails (dbt's LogTestResult), exit 1.
  r = run_pond({"build", "--warn-error"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  bool failed = false;
  for (const auto& [id, status] : result_statuses(root))
    if (id.rfind("test.mini.accepted_values", 0) == 0) failed = status == "fail";
  EXPECT_TRUE(failed);
  // Only named events: the test stays a warning, "Nothing to do" fails the command.
  r = run_pond({"build", "--warn-error-options", "{error: [NoNodesForSelectionCriteria]}"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run_pond(
      {"run", "-s", "no_such_model", "--warn-error-options", "{error: [NoNodesForSelectionCriteria]}"}, root);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("Nothing to do"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--warn-error"), std::string::npos) << r.err;
  // error: all with an exception, and silence.
  r = run_pond({"run", "-s", "no_such_model", "--warn-error-options",
                "{error: all, warn: [NoNodesForSelectionCriteria]}"},
               root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warn: Nothing to do"), std::string::npos) << r.err;
  r = run_pond(
      {"run", "-s", "no_such_model", "--warn-error-options", "{silence: [NoNodesForSelectionCriteria]}"},
      root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("Nothing to do"), std::string::npos) << r.err;
  // exceptions.warn() in Jinja fails the node's render, as in dbt.
  write_file(root / "models" / "warns.sql", "{% do exceptions.warn('careful') %}select 1 as x\n");
  r = run_pond({"run", "-s", "warns", "--warn-error"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("careful"), std::string::npos) << r.out << r.err;
  // Bad options are usage errors.
  r = run_pond({"build", "--warn-error-options", "{eror: all}"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'error'"), std::string::npos) << r.err;
}

TEST_F(DbtCommands, DeferReadsTheStatesRelationsForNodesNotBuiltHere) {
  fs::path root = project();
  write_file(root / "profiles.yml",
             "mini:\n  target: dev\n  outputs:\n"
             "    prod:\n      type: duckdb\n      path: mini.duckdb\n      schema: main\n"
             "    dev:\n      type: duckdb\n      path: mini.duckdb\n      schema: dev\n");
  write_file(root / "models" / "downstream.sql", "select count(*) as n from {{ ref('items') }}\n");
  ASSERT_EQ(run_pond({"build", "--target", "prod"}, root).exit_code, 0);
  fs::copy(root / "target", root / "prod_state", fs::copy_options::recursive);

  // dev has no items: without --defer the ref fails, with it the ref reads prod's relation.
  ProcessResult r = run_pond({"run", "-s", "downstream"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  r = run_pond({"run", "-s", "downstream", "--defer", "--state", "prod_state"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(read_file(root / "target/compiled/mini/models/downstream.sql").find("\"main\".\"items\""),
            std::string::npos);
  EXPECT_EQ(query_value(root, "select n from dev.downstream"), "3");

  // Once dev has its own items, --defer uses them; --favor-state still reads prod's.
  write_file(root / "models" / "items.sql", "select * from {{ ref('raw_items') }} where id = 1\n");
  // (its seed is not in dev either: deferred to prod's too)
  ASSERT_EQ(run_pond({"run", "-s", "items", "--defer", "--state", "prod_state"}, root).exit_code, 0);
  ASSERT_EQ(run_pond({"run", "-s", "downstream", "--defer", "--state", "prod_state"}, root).exit_code, 0);
  EXPECT_EQ(query_value(root, "select n from dev.downstream"), "1");
  r = run_pond({"run", "-s", "downstream", "--defer", "--favor-state", "--defer-state", "prod_state"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(query_value(root, "select n from dev.downstream"), "3");
  // A selected node is never deferred: items and downstream both built in dev.
  ASSERT_EQ(
      run_pond({"run", "-s", "items", "downstream", "--defer", "--favor-state", "--state", "prod_state"},
               root)
          .exit_code,
      0);
  EXPECT_EQ(query_value(root, "select n from dev.downstream"), "1");

  r = run_pond({"run", "--defer"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--defer needs the manifest"), std::string::npos) << r.err;
}

TEST_F(DbtCommands, UnitTestOverridesOfEnvVars) {
  fs::path root = project();
  write_file(root / "models" / "regional.sql",
             "select id, '{{ env_var(\"POND_REGION\", \"eu\") }}' as region from {{ ref('items') }}\n");
  write_file(root / "models" / "unit.yml",
             "unit_tests:\n"
             "  - name: region_from_override\n    model: regional\n"
             "    given:\n      - input: ref('items')\n        rows: [{id: 1}]\n"
             "    expect:\n      rows: [{id: 1, region: us}]\n"
             "    overrides:\n      env_vars: {POND_REGION: us}\n"
             "  - name: region_default\n    model: regional\n"
             "    given:\n      - input: ref('items')\n        rows: [{id: 1}]\n"
             "    expect:\n      rows: [{id: 1, region: eu}]\n");
  // As in dbt, a unit test reads its inputs' columns from the database: build them first.
  ASSERT_EQ(run_pond({"build", "-s", "items", "+items"}, root).exit_code, 0);
  ProcessResult r = run_pond({"test", "-s", "test_type:unit"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto statuses = result_statuses(root);
  EXPECT_EQ(statuses["unit_test.mini.regional.region_from_override"], "pass");
  EXPECT_EQ(statuses["unit_test.mini.regional.region_default"], "pass");
  // The override wins over the process environment too; the model's own build does not see it.
  ProcessOptions env;
  env.env.emplace("POND_REGION", "ap");
  r = run_pond({"build", "-s", "+regional"}, root, env);
  EXPECT_EQ(r.exit_code, 1) << r.out;  // region_default now fails: the environment says ap
  statuses = result_statuses(root);
  EXPECT_EQ(statuses["unit_test.mini.regional.region_from_override"], "pass");
  EXPECT_EQ(statuses["unit_test.mini.regional.region_default"], "fail");
}

// overrides: macros: of a project macro (also where another macro of its file calls it), of a
// built-in by its package name (the global name follows, as in dbt) and of a context member;
// a name that is nothing in the context is an error of that test, not ignored.
TEST_F(DbtCommands, UnitTestOverridesOfMacros) {
  fs::path root = project();
  write_file(root / "macros" / "region.sql",
             "{% macro region() %}'eu'{% endmacro %}\n"
             "{% macro labelled(x) %}{{ x }} || '-' || {{ region() }}{% endmacro %}\n");
  write_file(root / "models" / "regional.sql",
             "select id, {{ region() }} as region, {{ labelled(\"'a'\") }} as label,\n"
             "  '{{ invocation_id }}' as inv, cast({{ current_timestamp() }} as date) as day\n"
             "from {{ ref('items') }}\n");
  write_file(root / "models" / "unit.yml",
             "unit_tests:\n"
             "  - name: overridden\n    model: regional\n"
             "    given:\n      - input: ref('items')\n        rows: [{id: 1}]\n"
             "    expect:\n      rows: [{id: 1, region: us, label: a-us, inv: fixed, day: 2020-01-02}]\n"
             "    overrides:\n      macros:\n        region: \"'us'\"\n        invocation_id: fixed\n"
             "        dbt.current_timestamp: \"cast('2020-01-02 03:04:05' as timestamp)\"\n"
             "  - name: not_overridden\n    model: regional\n"
             "    given:\n      - input: ref('items')\n        rows: [{id: 1}]\n"
             "    expect:\n      rows: [{id: 1, region: eu, label: a-eu}]\n"
             "  - name: misspelt\n    model: regional\n"
             "    given:\n      - input: ref('items')\n        rows: [{id: 1}]\n"
             "    expect:\n      rows: [{id: 1}]\n"
             "    overrides:\n      macros: {regoin: \"'us'\"}\n");
  ASSERT_EQ(run_pond({"build", "-s", "raw_items", "items"}, root).exit_code, 0);
  ProcessResult r = run_pond({"test", "-s", "test_type:unit"}, root);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto statuses = result_statuses(root);
  EXPECT_EQ(statuses["unit_test.mini.regional.overridden"], "pass") << r.out;
  EXPECT_EQ(statuses["unit_test.mini.regional.not_overridden"], "pass") << r.out;
  EXPECT_EQ(statuses["unit_test.mini.regional.misspelt"], "error") << r.out;
  EXPECT_NE((r.out + r.err).find("'regoin' is neither a macro nor a member of dbt's context"),
            std::string::npos)
      << r.out << r.err;
  // The model itself is untouched by its tests' overrides.
  ASSERT_EQ(run_pond({"run", "-s", "regional"}, root).exit_code, 0);
  EXPECT_EQ(query_value(root, "select region from main.regional"), "eu");
}

// Fixture files (tests/fixtures/, csv and sql, found in subfolders) and a seed given without rows
// (its file's rows), as dbt reads them; a fixture file is no singular test.
TEST_F(DbtCommands, UnitTestFixtureFilesAndSeedRows) {
  fs::path root = project();
  write_file(root / "models" / "expensive.sql", "select id, name from {{ ref('items') }} where price > 1\n");
  write_file(root / "tests" / "fixtures" / "items_fixture.csv", "id,name,price\n1,fig,3.0\n2,kiwi,0.5\n");
  write_file(root / "tests" / "fixtures" / "sub" / "expected_figs.sql", "select 1 as id, 'fig' as name\n");
  write_file(root / "models" / "unit.yml",
             "unit_tests:\n"
             "  - name: from_fixture_files\n    model: expensive\n"
             "    given:\n      - input: ref('items')\n        format: csv\n        fixture: items_fixture\n"
             "    expect:\n      format: sql\n      fixture: expected_figs\n"
             "  - name: from_the_seed\n    model: items\n"
             "    given:\n      - input: ref('raw_items')\n"
             "    expect:\n      rows: [{id: 1, name: apple}, {id: 2, name: pear}, {id: 3, name: plum}]\n");
  ASSERT_EQ(run_pond({"build", "-s", "raw_items", "items"}, root).exit_code, 0);
  ProcessResult r = run_pond({"test", "-s", "test_type:unit"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto statuses = result_statuses(root);
  EXPECT_EQ(statuses["unit_test.mini.expensive.from_fixture_files"], "pass") << r.out;
  EXPECT_EQ(statuses["unit_test.mini.items.from_the_seed"], "pass") << r.out;
  r = run_pond({"ls", "--resource-type", "test"}, root);
  EXPECT_EQ(r.out.find("expected_figs"), std::string::npos) << r.out;
  // The manifest names the fixture and holds its rows, as dbt's.
  nlohmann::json manifest = nlohmann::json::parse(read_file(root / "target" / "manifest.json"));
  const auto& given = manifest["unit_tests"]["unit_test.mini.expensive.from_fixture_files"]["given"][0];
  EXPECT_EQ(given["fixture"], "items_fixture");
  EXPECT_EQ(given["rows"][0]["name"], "fig");

  // A missing fixture names the YAML line; a fixture with format dict is refused.
  write_file(root / "models" / "unit.yml",
             "unit_tests:\n"
             "  - name: missing\n    model: expensive\n"
             "    given:\n      - input: ref('items')\n        format: csv\n        fixture: nowhere\n"
             "    expect:\n      rows: []\n");
  r = run_pond({"parse"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("models/unit.yml:5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nowhere.csv"), std::string::npos) << r.err;
  write_file(root / "models" / "unit.yml",
             "unit_tests:\n"
             "  - name: dict_fixture\n    model: expensive\n"
             "    given:\n      - input: ref('items')\n        fixture: items_fixture\n"
             "    expect:\n      rows: []\n");
  r = run_pond({"parse"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("format: csv"), std::string::npos) << r.err;
}

// logs/dbt.log as dbt writes it: every invocation under a header naming its invocation id (the
// artifacts' id), the console's lines and the SQL run (debug), secrets replaced; --log-path,
// --log-level-file, --log-format-file and rotation with --log-file-max-bytes.
TEST_F(DbtCommands, DbtLogFile) {
  fs::path root = project();
  ProcessOptions env;
  env.env.emplace("DBT_ENV_SECRET_TOKEN", "s3cr3tvalue");
  ProcessResult r = run_pond({"build", "--vars", "{token: s3cr3tvalue}"}, root, env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string log = read_file(root / "logs" / "dbt.log");
  nlohmann::json results = nlohmann::json::parse(read_file(root / "target" / "run_results.json"));
  std::string id = results["metadata"]["invocation_id"];
  EXPECT_NE(log.find("| " + id + " ====="), std::string::npos) << log;
  EXPECT_NE(log.find("of 2 START sql "), std::string::npos) << log;
  EXPECT_NE(log.find("[info ] [MainThread]: Completed successfully"), std::string::npos) << log;
  EXPECT_NE(log.find(" [debug] ["), std::string::npos)
      << log;  // MainThread or Thread-N: the executor decides
  EXPECT_NE(log.find(": On model.mini.items: "), std::string::npos) << log;
  EXPECT_NE(log.find("Command `pond build` succeeded"), std::string::npos) << log;
  EXPECT_NE(log.find("{token: *****}"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cr3tvalue"), std::string::npos) << log;
  EXPECT_EQ(r.out.find("On model.mini.items"), std::string::npos) << r.out;  // the console stays at info

  // A second invocation appends; a failing one says so.
  write_file(root / "models" / "broken.sql", "select nope from {{ ref('items') }}\n");
  r = run_pond({"run", "-s", "broken"}, root);
  EXPECT_EQ(r.exit_code, 1);
  log = read_file(root / "logs" / "dbt.log");
  EXPECT_NE(log.find("Command `pond run` failed"), std::string::npos) << log;
  EXPECT_NE(log.find("nope"), std::string::npos) << log;
  fs::remove(root / "models" / "broken.sql");

  // --log-path (relative to the current folder), json lines, level none, a bad format.
  r = run_pond({"ls", "--log-path", "elsewhere", "--log-format-file", "json"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(read_file(root / "elsewhere" / "dbt.log"));
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_FALSE(j["invocation_id"].get<std::string>().empty());
  }
  EXPECT_GT(n, 1);
  auto size = fs::file_size(root / "logs" / "dbt.log");
  r = run_pond({"ls", "--log-level-file", "none"}, root);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(fs::file_size(root / "logs" / "dbt.log"), size);
  r = run_pond({"ls", "--log-format-file", "xml"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--log-format-file must be debug, text, default or json"), std::string::npos) << r.err;

  // Rotation keeps the newest lines in dbt.log and the older in dbt.log.1.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(run_pond({"run", "--log-file-max-bytes", "3000"}, root).exit_code, 0);
  EXPECT_TRUE(fs::exists(root / "logs" / "dbt.log.1"));
  EXPECT_LE(fs::file_size(root / "logs" / "dbt.log"), 3000u);
  EXPECT_NE(read_file(root / "logs" / "dbt.log").find("Command `pond run` succeeded"), std::string::npos);
}

}  // namespace
}  // namespace pond::test
