#include "cli/context.hpp"

#include "common/error.hpp"
#include "engine/database.hpp"
#include "project/project_locator.hpp"

namespace pond::cli {

ResolvedProject resolve_project(const GlobalOptions& options) {
  std::filesystem::path start = options.project_dir.value_or(std::filesystem::current_path());
  ResolvedProject out{project::ProjectFile::load(project::find_project_root(start)), {}};
  out.target = project::load_target(
      project::ProfileRequest{out.project.root, out.project.profile, options.profiles_dir, options.target});
  return out;
}

engine::Database open_target_database(const project::TargetConfig& target) {
  if (!target.in_memory()) {
    std::error_code ec;
    std::filesystem::create_directories(target.database_file.parent_path(), ec);
    if (ec) {
      throw UserError(
          SourceLocation{target.profiles_file.string()},
          "cannot create the folder of database " + target.database_file.string() + ": " + ec.message());
    }
  }
  return engine::Database::open(target.in_memory() ? ":memory:" : target.database_file.string(),
                                target.settings);
}

}  // namespace pond::cli
