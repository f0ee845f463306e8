#pragma once
// Helpers for the lake tests: a lake in a temporary folder and a DuckDB connection.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "lake/lake.hpp"
#include "support/temp_dir.hpp"

namespace pond::lake::testing {

// The first value of the first row of a query, as text ("NULL" for NULL).
inline std::string scalar(engine::Connection& con, const std::string& sql) {
  auto rows = con.query("SELECT (" + sql + ")::VARCHAR").rows_as_text();
  if (rows.empty() || rows[0].empty()) return "<no rows>";
  return rows[0][0].value_or("NULL");
}

inline LakeConfig sqlite_config(const test::TempDir& dir) {
  LakeConfig c;
  c.catalog = "sqlite:lake.sqlite";
  c.data_path = "lake/";
  c.base_dir = dir.path();
  return c;
}

// The evolve fixture (a lake DuckDB's ducklake extension wrote), or empty when absent.
// $POND_DUCKLAKE_FIXTURE overrides where it is.
inline std::filesystem::path fixture_dir() {
  const char* env = std::getenv("POND_DUCKLAKE_FIXTURE");
  std::filesystem::path p =
      env && *env ? std::filesystem::path(env)
                  : std::filesystem::path(POND_SOURCE_DIR) / "../shared/fixtures/ducklake/evolve";
  if (!std::filesystem::exists(p / "evolve.ducklake")) return {};
  return std::filesystem::canonical(p);
}

// Copies the fixture into `dir` (never read or written in place) and returns the copy.
inline std::filesystem::path copy_fixture(const test::TempDir& dir) {
  std::filesystem::path dst = dir / "evolve";
  std::filesystem::copy(fixture_dir(), dst, std::filesystem::copy_options::recursive);
  std::filesystem::permissions(dst, std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
  for (auto& e : std::filesystem::recursive_directory_iterator(dst))
    std::filesystem::permissions(e.path(),
                                 std::filesystem::perms::owner_write | std::filesystem::perms::owner_read,
                                 std::filesystem::perm_options::add);
  return dst;
}

}  // namespace pond::lake::testing
