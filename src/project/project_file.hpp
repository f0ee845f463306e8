#pragma once
#include <filesystem>
#include <string>

namespace pond::project {

// The parts of dbt_project.yml that locating and opening a project need.
struct ProjectFile {
  std::filesystem::path root;  // folder of dbt_project.yml
  std::string name;
  std::string profile;  // profile name; defaults to the project name as in dbt
  std::string target_path = "target";

  static ProjectFile load(const std::filesystem::path& root);
};

}  // namespace pond::project
