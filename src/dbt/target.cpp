#include "dbt/target.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>

#include "common/error.hpp"
#include "compile/config_render.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "materialize/lake_target.hpp"
#include "project/project_locator.hpp"

namespace pond::dbt {

project::ProjectFile load_project_file(const GlobalOptions& options) {
  std::filesystem::path start = options.project_dir.value_or(std::filesystem::current_path());
  project::ProjectFile file = project::ProjectFile::load(project::find_project_root(start));
  if (options.target_path && !options.target_path->empty()) {
    file.target_path = *options.target_path;
  } else if (const char* env = std::getenv("DBT_TARGET_PATH"); env && *env) {
    file.target_path = env;
  }
  return file;
}

ResolvedProject resolve_project(const GlobalOptions& options) {
  ResolvedProject out{load_project_file(options), {}};
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
  config.lock_timeout = target.lake->lock_timeout;
  const project::LakeS3& s3 = target.lake->s3;
  config.s3.endpoint = s3.endpoint;
  config.s3.region = s3.region;
  config.s3.path_style = s3.path_style;
  config.s3.ca_file = s3.ca_file.empty() ? std::string() : (target.project_root / s3.ca_file).string();
  config.s3.verify_tls = s3.verify_tls;
  config.s3_credentials = {s3.access_key_id, s3.secret_access_key, s3.session_token};
  config.s3_profile = s3.profile;
  config.cache_bytes = s3.cache_bytes;
  return config;
}

engine::Database open_target_database(const project::TargetConfig& target, TargetAccess access) {
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
  if (target.in_memory()) return engine::Database::open(":memory:", target.settings);
  std::map<std::string, std::string> settings = target.settings;
  // A file that does not exist yet cannot be opened read-only: it is created as before.
  if (access == TargetAccess::kReadOnly && std::filesystem::exists(target.database_file))
    settings["access_mode"] = "READ_ONLY";
  try {
    return engine::Database::open(target.database_file.string(), settings);
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (what.find("Could not set lock") == std::string::npos &&
        what.find("Conflicting lock") == std::string::npos)
      throw;
    throw UserError(
        "the database file " + target.database_file.string() +
            " is in use by another process: " + what.substr(0, what.find('\n')),
        "a DuckDB file has one writer at a time and no reader while it writes; wait for that process, or "
        "keep "
        "the target's tables in a lake (lake: {catalog: sqlite:lake/catalog.sqlite, data_path: lake/data/} "
        "under the output in profiles.yml), where readers never wait for a run",
        ExitCode::kStepFailed);
  }
}

}  // namespace pond::dbt
