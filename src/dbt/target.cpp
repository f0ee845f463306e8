#include "dbt/target.hpp"

#include "common/error.hpp"
#include "compile/config_render.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "materialize/lake_target.hpp"
#include "project/project_locator.hpp"

namespace pond::dbt {

ResolvedProject resolve_project(const GlobalOptions& options) {
  std::filesystem::path start = options.project_dir.value_or(std::filesystem::current_path());
  ResolvedProject out{project::ProjectFile::load(project::find_project_root(start)), {}};
  // profiles.yml: the values of the selected output are rendered (env_var, var, as dbt's
  // profile renderer), the other outputs are left alone.
  compile::ConfigRenderer renderer(nullptr, nlohmann::json::object());
  project::ProfileRequest request{out.project.root, out.project.profile, options.profiles_dir,
                                  options.target};
  request.render = [&renderer](const std::string& text, const std::string& where) {
    nlohmann::json v = renderer.render(text, where);
    return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
  };
  out.target = project::load_target(request);
  return out;
}

lake::LakeConfig lake_config(const project::TargetConfig& target) {
  lake::LakeConfig config;
  config.catalog = target.lake->catalog;
  config.data_path = target.lake->data_path;
  config.base_dir = target.project_root;
  return config;
}

engine::Database open_target_database(const project::TargetConfig& target) {
  if (target.lake) {
    // The lake is the storage: DuckDB only computes, in memory, so no file lock ever keeps
    // another process (a reader, a second run) out. The lake's tables are views in the
    // catalog the models name, at the latest snapshot.
    engine::Database db = engine::Database::open(":memory:", target.settings);
    materialize::prepare_memory_database(db, target.database);
    engine::Connection con(db);
    materialize::LakeTarget(lake_config(target), target.database).expose(con);
    return db;
  }
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

}  // namespace pond::dbt
