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

// Opens the target's DuckDB database, creating the parent folder of a database file. A target
// with a lake gets an in-memory database whose catalog `target.database` shows the lake's
// tables and views (at the latest snapshot); the `path:` file is not opened.
engine::Database open_target_database(const project::TargetConfig& target);

// The lake of a target that has one (paths relative to the project folder).
lake::LakeConfig lake_config(const project::TargetConfig& target);

}  // namespace pond::dbt
