// The lake of a target: `lake:` and dbt-duckdb's ducklake `attach:` entries.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "project/profile.hpp"
#include "support/temp_dir.hpp"

namespace pond::project {

namespace {

TargetConfig load(const test::TempDir& dir, const std::string& output) {
  test::write_file(
      dir / "profiles.yml",
      "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n" + output);
  return load_target({dir.path(), "shop", std::nullopt, std::nullopt});
}

}  // namespace

TEST(ProfileLake, LakeEntry) {
  test::TempDir dir;
  TargetConfig t = load(dir, "      lake: {catalog: sqlite:lake/c.sqlite, data_path: lake/data/}\n");
  ASSERT_TRUE(t.lake);
  EXPECT_EQ(t.lake->catalog, "sqlite:lake/c.sqlite");
  EXPECT_EQ(t.lake->data_path, "lake/data/");
  EXPECT_EQ(t.database, "shop");
  EXPECT_EQ(t.project_root, dir.path());
}

TEST(ProfileLake, DuckLakeAttachEntryIsTheLakeAndItsAliasTheDatabase) {
  test::TempDir dir;
  TargetConfig t = load(dir,
                        "      attach:\n"
                        "        - {path: other.duckdb, alias: other}\n"
                        "        - path: 'ducklake:postgres:dbname=lake host=db'\n"
                        "          alias: my_lake\n"
                        "          options: {data_path: s3-like/data/}\n");
  ASSERT_TRUE(t.lake);
  EXPECT_EQ(t.lake->catalog, "postgres:dbname=lake host=db");
  EXPECT_EQ(t.lake->data_path, "s3-like/data/");
  EXPECT_EQ(t.database, "my_lake");
}

TEST(ProfileLake, IsDucklakeFlagAndPlainAttachLists) {
  test::TempDir dir;
  TargetConfig t =
      load(dir, "      attach:\n        - {path: meta.ducklake, alias: lk, is_ducklake: true}\n");
  ASSERT_TRUE(t.lake);
  EXPECT_EQ(t.lake->catalog, "meta.ducklake");
  EXPECT_EQ(t.lake->data_path, "");  // the one the catalog stores
  EXPECT_EQ(t.database, "lk");

  test::TempDir plain;
  TargetConfig p = load(plain, "      attach:\n        - {path: other.duckdb, alias: other}\n");
  EXPECT_FALSE(p.lake);
  EXPECT_EQ(p.database, "shop");
  EXPECT_TRUE(p.extra.count("attach"));
}

TEST(ProfileLake, TwoLakesAreRefusedWithTheirLine) {
  test::TempDir dir;
  try {
    load(dir,
         "      attach:\n        - {path: 'ducklake:a.ducklake', alias: a}\n"
         "        - {path: 'ducklake:b.ducklake', alias: b}\n");
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    ASSERT_TRUE(e.where());
    EXPECT_EQ(e.where()->line, 9);
    EXPECT_NE(std::string(e.what()).find("second lake"), std::string::npos) << e.what();
  }
}

}  // namespace pond::project
