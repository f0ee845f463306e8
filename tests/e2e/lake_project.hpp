#pragma once
// Helpers for e2e tests of a project whose target writes to the lake `pond init` sets up
// (sqlite:lake/catalog.sqlite, data under lake/data/).
#include <filesystem>
#include <string>

#include "lake/lake.hpp"
#include "pond_runner.hpp"

namespace pond::test {

// The rows of a query through `pond show`, as CSV without the header.
inline std::string rows(const std::filesystem::path& root, const std::string& sql) {
  ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv", "--limit", "1000"}, root);
  EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
  auto nl = r.out.find('\n');
  if (nl == std::string::npos) return "";
  std::string v = r.out.substr(nl + 1);
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

inline lake::Lake open_lake(const std::filesystem::path& root, bool create = false) {
  lake::LakeConfig c;
  c.catalog = "sqlite:lake/catalog.sqlite";
  c.data_path = "lake/data/";
  c.base_dir = root;
  return lake::Lake::open(c, create);
}

// One value from the lake's catalog ("NULL" for none).
inline std::string catalog_value(const std::filesystem::path& root, const std::string& sql) {
  lake::Lake lake = open_lake(root);
  auto result = lake.catalog_db().query(sql);
  if (result.empty() || result[0].empty() || !result[0][0]) return "NULL";
  return *result[0][0];
}

inline std::size_t snapshot_count(const std::filesystem::path& root) {
  return std::stoul(catalog_value(root, "SELECT count(*) FROM ducklake_snapshot"));
}

}  // namespace pond::test
