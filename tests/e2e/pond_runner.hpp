#pragma once
// Runs the real pond binary (POND_BINARY, set by CMake) for end-to-end tests.
#include <gtest/gtest.h>

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
  std::filesystem::path init_project(const std::string& name = "shop") {
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
