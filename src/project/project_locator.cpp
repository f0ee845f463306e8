#include "project/project_locator.hpp"

#include "common/error.hpp"

namespace pond::project {

std::filesystem::path find_project_root(const std::filesystem::path& start) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(start, ec).lexically_normal();
  if (ec || !std::filesystem::is_directory(dir)) {
    throw UserError("project directory " + start.string() + " does not exist");
  }
  for (std::filesystem::path p = dir;; p = p.parent_path()) {
    if (std::filesystem::is_regular_file(p / "dbt_project.yml")) return p;
    if (p == p.parent_path()) break;
  }
  throw UserError("no dbt_project.yml found in " + dir.string() + " or its parents", ExitCode::kUsage);
}

}  // namespace pond::project
