#pragma once
// Runs the real pond binary (POND_BINARY, set by CMake) for end-to-end tests.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace pond::test {

inline ProcessResult run_pond(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                              ProcessOptions options = {}) {
  std::vector<std::string> argv{POND_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  options.cwd = cwd;
  options.env.emplace("NO_COLOR", "1");
  options.unset_env.push_back("DBT_PROFILES_DIR");
  return run_process(argv, options);
}

// A fresh folder per test with an example project initialised by `pond init` in it.
class PondTest : public ::testing::Test {
 protected:
  // The example on a plain DuckDB file (its profile without the lake), for the tests of
  // DuckDB-target materializations.
  std::filesystem::path init_project(const std::string& name = "shop") {
    std::filesystem::path root = init_lake_project(name);
    std::ofstream(root / "profiles.yml") << name << ":\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                                         << "      path: " << name << ".duckdb\n      threads: 4\n";
    return root;
  }
  // The example as `pond init` writes it: models, seeds and snapshots in the lake.
  std::filesystem::path init_lake_project(const std::string& name = "shop") {
    ProcessResult r = run_pond({"init", name}, dir_.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir_ / name;
  }
  TempDir dir_;
};

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace pond::test
