#pragma once
#include <filesystem>

namespace pond::project {

// The folder holding dbt_project.yml: `start` or its nearest parent that has one.
// Throws UserError "no dbt_project.yml found in <dir> or its parents".
std::filesystem::path find_project_root(const std::filesystem::path& start);

}  // namespace pond::project
