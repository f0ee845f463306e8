#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "project/profile.hpp"
#include "project/project_file.hpp"

namespace pond::engine {
class Database;
}
namespace pond::lake {
struct LakeConfig;
}

namespace pond::cli {

class InterruptWatcher;

// Global flags shared by every command.
struct GlobalOptions {
  std::optional<std::filesystem::path> project_dir;
  std::optional<std::filesystem::path> profiles_dir;
  std::optional<std::string> target;
  std::string log_level = "info";
  std::string log_format = "text";
  bool no_color = false;
};

// What a command gets: the global options and the process-wide interrupt watcher.
struct CommandContext {
  GlobalOptions& options;
  InterruptWatcher& interrupts;
};

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

}  // namespace pond::cli
