#pragma once
// The project a task works on and its target: found from --project-dir (or the current
// directory) and profiles.yml, and the target's DuckDB database opened for the run.
#include "dbt/options.hpp"
#include "lake/lake.hpp"
#include "project/profile.hpp"
#include "project/project_file.hpp"

namespace pond::engine {
class Database;
}

namespace pond::dbt {

// The project found from --project-dir (or the current directory) and its target.
struct ResolvedProject {
  project::ProjectFile project;
  project::TargetConfig target;
};

ResolvedProject resolve_project(const GlobalOptions& options);

// dbt_project.yml of the project found from --project-dir (or the current directory), with the
// target path dbt would use: --target-path, else $DBT_TARGET_PATH, else the file's target-path.
project::ProjectFile load_project_file(const GlobalOptions& options);

// Opens the target's DuckDB database, creating the parent folder of a database file. A target
// with a lake gets an in-memory database whose catalog `target.database` shows the lake's
// tables and views (at the latest snapshot); the `path:` file is not opened.
// Commands that only read (show, docs generate, debug) pass kReadOnly: a DuckDB file is then
// opened shared, so readers never block each other. A file another process holds is a
// UserError naming that process (DuckDB's lock message) and suggesting the lake.
enum class TargetAccess { kReadWrite, kReadOnly };
engine::Database open_target_database(const project::TargetConfig& target,
                                      TargetAccess access = TargetAccess::kReadWrite);

// The lake of a target that has one (paths relative to the project folder).
lake::LakeConfig lake_config(const project::TargetConfig& target);

}  // namespace pond::dbt
