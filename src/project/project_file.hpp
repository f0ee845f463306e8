#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pond::project {

// dbt_project.yml. Config trees (`models:`, `seeds:` ...) are kept as JSON objects keyed by
// package/folder names with `+key` (or plain key) configs; config_tree.hpp resolves them.
struct ProjectFile {
  std::filesystem::path root;  // folder of dbt_project.yml
  std::string name;
  std::string profile;  // profile name; defaults to the project name as in dbt
  std::string version;
  std::string require_dbt_version;  // accepted, not enforced

  std::vector<std::string> model_paths{"models"};
  std::vector<std::string> seed_paths{"seeds"};
  std::vector<std::string> snapshot_paths{"snapshots"};
  std::vector<std::string> test_paths{"tests"};
  std::vector<std::string> macro_paths{"macros"};
  std::vector<std::string> analysis_paths{"analyses"};
  std::vector<std::string> docs_paths;  // empty: the model/seed/... paths, as in dbt
  std::string target_path = "target";
  std::string packages_install_path = "dbt_packages";
  std::vector<std::string> clean_targets;

  // `vars:`: global values, plus per-package maps (`vars: {pkg: {x: 1}}`) when the key is a
  // package name. Lookup order is in vars.hpp.
  nlohmann::json vars = nlohmann::json::object();
  nlohmann::json models = nlohmann::json::object();
  nlohmann::json seeds = nlohmann::json::object();
  nlohmann::json snapshots = nlohmann::json::object();
  nlohmann::json tests = nlohmann::json::object();
  nlohmann::json sources = nlohmann::json::object();
  nlohmann::json exposures = nlohmann::json::object();
  nlohmann::json analyses = nlohmann::json::object();
  nlohmann::json quoting = nlohmann::json::object();
  nlohmann::json dispatch = nlohmann::json::array();
  std::vector<std::string> on_run_start;
  std::vector<std::string> on_run_end;

  static ProjectFile load(const std::filesystem::path& root);
};

}  // namespace pond::project
