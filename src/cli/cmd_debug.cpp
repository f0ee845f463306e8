#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"
#include "lake/lake.hpp"
#include "project/project_locator.hpp"

namespace pond::cli {

// Like `dbt debug`: each check on its own line; the first failure says exactly what is wrong.
int run_debug(CommandContext& ctx) {
  auto ok = [](const std::string& what, const std::string& detail) {
    std::cout << fmt::format("  [OK]   {:<11} {}\n", what, detail);
  };
  auto bad = [](const std::string& what, const std::string& detail) {
    std::cout << fmt::format("  [FAIL] {:<11} {}\n", what, detail);
  };

  std::cout << version_text() << "\n";
  const GlobalOptions& g = ctx.options;
  std::filesystem::path start = g.project_dir.value_or(std::filesystem::current_path());
  project::ProjectFile proj;
  try {
    proj = project::ProjectFile::load(project::find_project_root(start));
    ok("project", fmt::format("{} (name '{}', profile '{}')", (proj.root / "dbt_project.yml").string(),
                              proj.name, proj.profile));
  } catch (const UserError& e) {
    bad("project", e.what());
    return static_cast<int>(e.exit_code());
  }

  project::TargetConfig target;
  try {
    target = project::load_target({proj.root, proj.profile, g.profiles_dir, g.target});
    ok("profiles", target.profiles_file.string());
    ok("target", fmt::format("{} (type {}, schema {}, threads {})", target.target_name, target.type,
                             target.schema, target.threads));
  } catch (const UserError& e) {
    bad("profiles", e.what());
    return static_cast<int>(e.exit_code());
  }

  try {
    engine::Database db = open_target_database(target, dbt::TargetAccess::kReadOnly);
    engine::Connection con(db);
    auto rows = con.query("select 1 as ok").rows_as_text();
    if (rows.size() != 1 || rows[0][0] != "1") throw engine::EngineError("select 1 did not answer 1");
    if (target.lake) {
      // The lake is the storage; DuckDB runs in memory (open_target_database).
      lake::Lake lake = lake::Lake::open(lake_config(target));
      ok("lake", fmt::format("{} (data {}, {} tables, snapshot {})", target.lake->catalog, lake.data_root(),
                             lake.tables().size(), lake.latest_snapshot().id));
    } else {
      ok("database", target.in_memory() ? std::string(":memory:") : target.database_file.string());
    }
    ok("connection", "select 1 answered");
  } catch (const std::exception& e) {
    bad("connection", e.what());
    return 1;
  }
  std::cout << "All checks passed!\n";
  return 0;
}

}  // namespace pond::cli
