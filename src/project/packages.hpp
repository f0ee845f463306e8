#pragma once
// The packages `pond deps` installed, as the loader reads them: every folder with a
// dbt_project.yml under <packages-install-path>.
#include <filesystem>
#include <vector>

#include "project/project_file.hpp"

namespace pond::project {

// Installed packages sorted by name. When packages.yml lists more packages than are
// installed, a UserError tells to run `pond deps` (as dbt does).
std::vector<ProjectFile> load_installed_packages(const ProjectFile& root);

}  // namespace pond::project
