#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.hpp"
#include "project/profile.hpp"
#include "project/project_file.hpp"
#include "project/project_locator.hpp"
#include "project/yaml_file.hpp"
#include "support/temp_dir.hpp"

namespace pond::project {

namespace {

const char* kProfiles = R"(shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: data/shop.duckdb
      threads: 4
      settings:
        memory_limit: 1GB
      extensions: [parquet]
      some_future_key: kept
    mem:
      type: duckdb
)";

// Runs `body` with an environment variable set (or unset), restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

UserError catch_user_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a UserError";
  return UserError("none");
}

}  // namespace

TEST(ProjectLocator, FindsTheNearestParent) {
  test::TempDir dir;
  test::write_file(dir / "p/dbt_project.yml", "name: p\n");
  std::filesystem::create_directories(dir / "p/models/deep");
  EXPECT_EQ(find_project_root(dir / "p/models/deep"), dir / "p");
  EXPECT_EQ(find_project_root(dir / "p"), dir / "p");
  UserError e = catch_user_error([&] { find_project_root(dir.path()); });
  EXPECT_NE(
      std::string(e.what()).find("no dbt_project.yml found in " + dir.path().string() + " or its parents"),
      std::string::npos)
      << e.what();
}

TEST(ProjectFile, ReadsNameProfileAndDefaults) {
  test::TempDir dir;
  test::write_file(dir / "dbt_project.yml", "name: 'jaffle'\nversion: '1.0'\n");
  ProjectFile p = ProjectFile::load(dir.path());
  EXPECT_EQ(p.name, "jaffle");
  EXPECT_EQ(p.profile, "jaffle");
  EXPECT_EQ(p.target_path, "target");
  test::write_file(dir / "dbt_project.yml", "name: a\nprofile: b\ntarget-path: out\n");
  p = ProjectFile::load(dir.path());
  EXPECT_EQ(p.profile, "b");
  EXPECT_EQ(p.target_path, "out");
}

TEST(ProjectFile, MissingNameIsLocated) {
  test::TempDir dir;
  test::write_file(dir / "dbt_project.yml", "version: 1\nprofile: x\n");
  UserError e = catch_user_error([&] { ProjectFile::load(dir.path()); });
  EXPECT_NE(std::string(e.what()).find("dbt_project.yml:1:1: dbt_project.yml needs a 'name:'"),
            std::string::npos)
      << e.what();
}

TEST(YamlFile, SyntaxErrorsHaveLineAndColumn) {
  UserError e = catch_user_error([] { YamlFile::parse("a: 1\nb: [1, 2\nc: 3\n", "x.yml"); });
  ASSERT_TRUE(e.where());
  EXPECT_EQ(e.where()->file, "x.yml");
  EXPECT_GE(e.where()->line, 2);
  EXPECT_GT(e.where()->column, 0);
  EXPECT_NE(std::string(e.what()).find("invalid YAML"), std::string::npos);
}

TEST(Profile, ResolvesTheDefaultTarget) {
  test::TempDir dir;
  test::write_file(dir / "profiles.yml", kProfiles);
  TargetConfig t = load_target({dir.path(), "shop", std::nullopt, std::nullopt});
  EXPECT_EQ(t.target_name, "dev");
  EXPECT_EQ(t.type, "duckdb");
  EXPECT_EQ(t.threads, 4);
  EXPECT_EQ(t.database_file, dir / "data/shop.duckdb");
  EXPECT_EQ(t.database, "shop");
  EXPECT_EQ(t.schema, "main");
  EXPECT_EQ(t.settings.at("memory_limit"), "1GB");
  EXPECT_EQ(t.extensions, std::vector<std::string>{"parquet"});
  EXPECT_EQ(t.extra.at("some_future_key"), "kept");
  EXPECT_FALSE(t.in_memory());
}

TEST(Profile, TargetFlagAndMemoryDefault) {
  test::TempDir dir;
  test::write_file(dir / "profiles.yml", kProfiles);
  TargetConfig t = load_target({dir.path(), "shop", std::nullopt, std::string("mem")});
  EXPECT_TRUE(t.in_memory());
  EXPECT_EQ(t.database, "memory");
  EXPECT_EQ(t.path, ":memory:");
}

TEST(Profile, SearchOrderIsFlagThenEnvThenProjectThenHome) {
  test::TempDir dir;
  test::write_file(dir / "flag/profiles.yml", kProfiles);
  test::write_file(dir / "env/profiles.yml", kProfiles);
  test::write_file(dir / "project/profiles.yml", kProfiles);
  test::write_file(dir / "home/.dbt/profiles.yml", kProfiles);
  ScopedEnv home("HOME", (dir / "home").c_str());
  {
    ScopedEnv env("DBT_PROFILES_DIR", (dir / "env").c_str());
    EXPECT_EQ(find_profiles_file({dir / "project", "shop", dir / "flag", std::nullopt}),
              dir / "flag/profiles.yml");
    EXPECT_EQ(find_profiles_file({dir / "project", "shop", std::nullopt, std::nullopt}),
              dir / "env/profiles.yml");
  }
  ScopedEnv no_env("DBT_PROFILES_DIR", nullptr);
  EXPECT_EQ(find_profiles_file({dir / "project", "shop", std::nullopt, std::nullopt}),
            dir / "project/profiles.yml");
  EXPECT_EQ(find_profiles_file({dir / "elsewhere", "shop", std::nullopt, std::nullopt}),
            dir / "home/.dbt/profiles.yml");
  std::filesystem::remove(dir / "home/.dbt/profiles.yml");
  UserError e = catch_user_error([&] {
    find_profiles_file({dir / "elsewhere", "shop", std::nullopt, std::nullopt});
  });
  EXPECT_NE(std::string(e.what()).find("no profiles.yml found"), std::string::npos);
}

TEST(Profile, ErrorsNameFileLineColumnAndSuggest) {
  test::TempDir dir;
  test::write_file(dir / "profiles.yml", kProfiles);
  auto message = [&](const std::string& profile, std::optional<std::string> target) {
    return std::string(catch_user_error([&] {
                         load_target({dir.path(), profile, std::nullopt, target});
                       }).what());
  };
  std::string m = message("shopp", std::nullopt);
  EXPECT_NE(m.find("profile 'shopp'"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'shop'?"), std::string::npos) << m;
  m = message("shop", std::string("prod"));
  EXPECT_NE(m.find("profiles.yml:4:5: target 'prod' is not an output"), std::string::npos) << m;

  test::write_file(dir / "profiles.yml", "shop:\n  outputs:\n    dev:\n      type: postgres\n");
  m = message("shop", std::nullopt);
  EXPECT_NE(m.find("profiles.yml:4:13: target 'dev' has type 'postgres'"), std::string::npos) << m;

  test::write_file(dir / "profiles.yml",
                   "shop:\n  outputs:\n    dev:\n      type: duckdb\n      threads: many\n");
  m = message("shop", std::nullopt);
  EXPECT_NE(m.find("profiles.yml:5:16: 'threads:' must be a whole number"), std::string::npos) << m;

  test::write_file(dir / "profiles.yml", "shop:\n  outputs:\n    dev:\n     type: duckdb\n      path: x\n");
  m = message("shop", std::nullopt);
  EXPECT_NE(m.find("profiles.yml:5:"), std::string::npos) << m;
  EXPECT_NE(m.find("invalid YAML"), std::string::npos) << m;
}

}  // namespace pond::project
