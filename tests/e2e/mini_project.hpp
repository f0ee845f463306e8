#pragma once
// A small generated dbt project on a plain DuckDB file (no lake), for the e2e tests of the run
// commands (retry, show -s, --empty, source freshness): independent of examples/shop.
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/pond_runner.hpp"
#include "support/temp_dir.hpp"  // write_file, read_file

namespace pond::test {

// dbt_project.yml + profiles.yml of project `mini` in `root`, a seed raw_items (3 rows), and
// whatever models the test writes.
inline void write_mini_project(const std::filesystem::path& root) {
  write_file(root / "dbt_project.yml",
             "name: mini\nversion: '1.0'\nconfig-version: 2\nprofile: mini\n"
             "model-paths: [models]\nseed-paths: [seeds]\n");
  write_file(root / "profiles.yml",
             "mini:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: mini.duckdb\n"
             "      threads: 2\n");
  write_file(root / "seeds" / "raw_items.csv", "id,name,price\n1,apple,1.5\n2,pear,2.25\n3,plum,0.75\n");
}

// One value (first column, first row) of a query on the project's database, via pond show.
inline std::string query_value(const std::filesystem::path& root, const std::string& sql) {
  ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto nl = r.out.find('\n');
  if (nl == std::string::npos) return "";
  std::string v = r.out.substr(nl + 1);
  if (auto end = v.find('\n'); end != std::string::npos) v.resize(end);
  return v;
}

// unique_id -> status in target/run_results.json.
inline std::map<std::string, std::string> result_statuses(const std::filesystem::path& root) {
  std::map<std::string, std::string> out;
  std::ifstream in(root / "target" / "run_results.json");
  if (!in) return out;
  nlohmann::json j = nlohmann::json::parse(in);
  for (const auto& r : j["results"]) out[r["unique_id"].get<std::string>()] = r["status"].get<std::string>();
  return out;
}

}  // namespace pond::test
