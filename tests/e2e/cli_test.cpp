#include "e2e/pond_runner.hpp"

namespace pond::test {

TEST_F(PondTest, VersionNamesDuckDB) {
  ProcessResult r = run_pond({"--version"}, dir_.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "pond 0.")) << r.out;
  EXPECT_TRUE(contains(r.out, "DuckDB v1.5.6")) << r.out;
}

TEST_F(PondTest, HelpListsCommands) {
  ProcessResult r = run_pond({"--help"}, dir_.path());
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"init", "debug", "show", "--project-dir", "--profiles-dir", "--target",
                          "--log-level", "--log-format", "--no-color"}) {
    EXPECT_TRUE(contains(r.out, cmd)) << cmd;
  }
  r = run_pond({"show", "--help"}, dir_.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "--inline"));
  EXPECT_TRUE(contains(r.out, "--limit"));
}

TEST_F(PondTest, UnknownCommandOrFlagIsUsageError) {
  ProcessResult r = run_pond({"shwo"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'shwo' (did you mean 'show'?)")) << r.err;
  r = run_pond({"--frobnicate"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--frobnicate")) << r.err;
  r = run_pond({"show", "--inline", "select 1", "--bogus"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  r = run_pond({}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "Usage")) << r.err;
  r = run_pond({"show", "--inline", "select 1", "--output", "xml"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  r = run_pond({"debug", "--log-format", "yaml"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--log-format must be text or json")) << r.err;
}

TEST_F(PondTest, InitScaffoldsAWorkingProject) {
  ProcessResult r = run_pond({"init", "acme"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Created project 'acme'"));
  for (const char* f : {"dbt_project.yml", "profiles.yml", "pond.yml", "models/staging/stg_orders.sql",
                        "seeds/raw_orders.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_ / "acme" / f)) << f;
  }
  r = run_pond({"debug"}, dir_ / "acme/models");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "All checks passed!")) << r.out;
  EXPECT_TRUE(contains(r.out, "[OK]   lake        sqlite:lake/catalog.sqlite")) << r.out;
  // The example keeps its tables in the lake, which pond debug's connection check creates.
  EXPECT_TRUE(std::filesystem::exists(dir_ / "acme/lake/catalog.sqlite"));
}

TEST_F(PondTest, InitRefusesANonEmptyDirectory) {
  write_file(dir_ / "full/keep.txt", "mine");
  ProcessResult r = run_pond({"init", "full"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "not empty")) << r.err;
  EXPECT_EQ(read_file(dir_ / "full/keep.txt"), "mine");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "full/dbt_project.yml"));
}

TEST_F(PondTest, OutsideAProject) {
  ProcessResult r = run_pond({"show", "--inline", "select 1"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no dbt_project.yml found in " + dir_.path().string() + " or its parents"))
      << r.err;
  r = run_pond({"debug"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.out, "[FAIL] project")) << r.out;
}

TEST_F(PondTest, ProjectDirFlagWorksFromAnywhere) {
  auto root = init_project();
  ProcessResult r =
      run_pond({"--project-dir", root.string(), "show", "--inline", "select 41 + 1 as answer"}, dir_.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "| answer |")) << r.out;
  EXPECT_TRUE(contains(r.out, "|     42 |")) << r.out;
  // Global flags may also follow the command.
  r = run_pond({"show", "--inline", "select 1 as x", "--project-dir", root.string()}, dir_.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(PondTest, BrokenProfilesNameLineAndColumn) {
  auto root = init_project();
  write_file(root / "profiles.yml",
             "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n     path: x.duckdb\n");
  ProcessResult r = run_pond({"show", "--inline", "select 1"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "profiles.yml:6:")) << r.err;
  EXPECT_TRUE(contains(r.err, "invalid YAML")) << r.err;

  write_file(root / "profiles.yml", "shop:\n  target: prd\n  outputs:\n    prod:\n      type: duckdb\n");
  r = run_pond({"debug"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.out, "target 'prd' is not an output of profile 'shop'")) << r.out;
  EXPECT_TRUE(contains(r.out, "did you mean 'prod'?")) << r.out;
  r = run_pond({"--target", "prod", "debug"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(PondTest, ProfilesDirFlag) {
  auto root = init_project();
  std::filesystem::create_directories(dir_ / "elsewhere");
  std::filesystem::rename(root / "profiles.yml", dir_ / "elsewhere/profiles.yml");
  ProcessResult r =
      run_pond({"show", "--inline", "select 1"}, root, {.env = {{"HOME", dir_.path().string()}}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "no profiles.yml found")) << r.err;
  r = run_pond({"--profiles-dir", (dir_ / "elsewhere").string(), "show", "--inline", "select 1 as one"},
               root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_pond({"show", "--inline", "select 1 as one"}, root,
               {.env = {{"DBT_PROFILES_DIR", (dir_ / "elsewhere").string()}}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace pond::test
