// dbt_project.yml configs that configure nothing are warned about, as dbt does: a path that
// applies to no resource, and a `+key` one typo away from a config dbt knows.
#include "e2e/pond_runner.hpp"

namespace pond::test {

TEST_F(PondTest, ConfigPathsThatApplyToNothingAndMisspelledConfigsAreWarned) {
  auto root = init_lake_project();
  std::string project = read_file(root / "dbt_project.yml");
  ProcessResult r = run_pond({"parse"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "warn")) << r.err;  // the example configures only what exists

  std::string typo = project;
  const std::string marts = "marts:\n      +materialized";
  typo.replace(typo.find(marts), marts.size(), "marts:\n      +materialised");
  typo.replace(typo.find("staging:"), 8, "stagign:");
  write_file(root / "dbt_project.yml", typo);
  r = run_pond({"parse"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "'+materialised' under models.shop.marts is not a config dbt knows (did you mean "
                       "'+materialized'?)"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "There are 1 unused configuration paths:\n- models.shop.stagign")) << r.err;
}

}  // namespace pond::test
