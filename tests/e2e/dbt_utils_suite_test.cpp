// dbt-utils 1.4.1's own integration suite (../shared/fixtures/dbt-packages/dbt-utils), run the way
// its CI runs it: `pond deps`, `pond build --full-refresh` on a copy in a temporary folder, with
// the duckdb profile of tests/dbt_utils/. The nodes that do not pass must be exactly those listed
// in tests/dbt_utils/expected_failures.md (each with the SQL and DuckDB's error as evidence).
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "e2e/pond_runner.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

// The `###` entries of the section of nodes that fail on dbt-duckdb too.
std::set<std::string> read_expected_failures() {
  std::set<std::string> failing;
  std::ifstream in(fs::path(POND_SOURCE_DIR) / "tests/dbt_utils/expected_failures.md");
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0)
      in_section = line.find("dbt-duckdb too") != std::string::npos;
    else if (in_section && line.rfind("### ", 0) == 0)
      failing.insert(line.substr(4));
  }
  return failing;
}

fs::path fixture() {
  for (const char* up : {"../shared", "../../shared"}) {
    fs::path p = fs::path(POND_SOURCE_DIR) / up / "fixtures/dbt-packages/dbt-utils";
    if (fs::exists(p / "integration_tests/dbt_project.yml")) return fs::canonical(p);
  }
  return {};
}

// A writable copy of the package (the fixture is read-only) with our profile in the suite.
fs::path copy_suite(const TempDir& dir) {
  fs::path src = fixture();
  EXPECT_FALSE(src.empty()) << "dbt-utils fixture not found beside the repository (../shared/fixtures)";
  fs::path dst = dir / "dbt-utils";
  fs::copy(src, dst, fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(dst))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(dst, fs::perms::owner_write, fs::perm_options::add);
  fs::path suite = dst / "integration_tests";
  fs::copy_file(fs::path(POND_SOURCE_DIR) / "tests/dbt_utils/profiles.yml", suite / "profiles.yml");
  return suite;
}

ProcessResult pond_in(const fs::path& suite, std::vector<std::string> args) {
  args.push_back("--profiles-dir");
  args.push_back(suite.string());
  ProcessOptions o;
  o.timeout = std::chrono::milliseconds(300000);
  return run_pond(args, suite, o);
}

struct Tally {
  int passed = 0;
  std::map<std::string, std::string> not_passing;  // unique_id -> status
};

Tally tally(const fs::path& suite) {
  Tally t;
  auto results = nlohmann::json::parse(read_file(suite / "target/run_results.json"));
  for (const auto& r : results["results"]) {
    std::string status = r.value("status", "");
    if (status == "success" || status == "pass")
      ++t.passed;
    else
      t.not_passing[r.value("unique_id", "")] = status;
  }
  return t;
}

std::string describe(const Tally& t, const std::set<std::string>& expected) {
  std::ostringstream out;
  for (const auto& [id, status] : t.not_passing)
    if (!expected.count(id)) out << "\n  not passing and not listed: " << status << " " << id;
  for (const auto& id : expected)
    if (!t.not_passing.count(id)) out << "\n  listed but passing: " << id;
  return out.str();
}

std::set<std::string> ids(const Tally& t) {
  std::set<std::string> out;
  for (const auto& [id, s] : t.not_passing) out.insert(id);
  return out;
}

TEST(DbtUtilsSuite, AsItsCiRunsIt) {
  std::set<std::string> expected = read_expected_failures();
  TempDir dir;
  fs::path suite = copy_suite(dir);
  ProcessResult deps = pond_in(suite, {"deps"});
  ASSERT_EQ(deps.exit_code, 0) << deps.err;
  ProcessResult build = pond_in(suite, {"build", "--full-refresh"});
  ASSERT_TRUE(build.exit_code == 0 || build.exit_code == 1) << build.out << build.err;
  Tally t = tally(suite);
  std::cout << "dbt-utils suite as its CI runs it: " << t.passed << " passed, " << t.not_passing.size()
            << " failed (" << expected.size() << " listed as failing on dbt-duckdb too)\n";
  EXPECT_EQ(ids(t), expected) << describe(t, expected);
}

}  // namespace
}  // namespace pond::test
