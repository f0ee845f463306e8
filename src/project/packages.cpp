#include "project/packages.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "project/manifest.hpp"
#include "project/packages_spec.hpp"

namespace pond::project {

namespace fs = std::filesystem;

std::vector<ProjectFile> load_installed_packages(const ProjectFile& root) {
  std::vector<ProjectFile> out;
  fs::path dir = root.root / root.packages_install_path;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string fname = entry.path().filename().string();
      if (fname.empty() || fname[0] == '.' || !fs::is_directory(entry.path(), ec)) continue;
      if (!fs::exists(entry.path() / "dbt_project.yml", ec)) continue;
      ProjectFile p = ProjectFile::load(entry.path());
      if (p.name == root.name) continue;  // dbt skips a copy of the root project itself
      auto same =
          std::find_if(out.begin(), out.end(), [&](const ProjectFile& q) { return q.name == p.name; });
      if (same != out.end()) {
        throw UserError("two installed packages are named '" + p.name + "': " + same->root.string() +
                            " and " + p.root.string(),
                        "run pond deps again to reinstall the packages");
      }
      out.push_back(std::move(p));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ProjectFile& a, const ProjectFile& b) { return a.name < b.name; });
  if (auto wanted = read_packages_file(root.root); wanted && wanted->packages.size() > out.size()) {
    throw UserError(wanted->display_path + " lists " + std::to_string(wanted->packages.size()) +
                        " package(s), but only " + std::to_string(out.size()) + " are installed in " +
                        root.packages_install_path + "/",
                    "run pond deps to install them");
  }
  return out;
}

const ProjectFile* Manifest::package_file(std::string_view package) const {
  if (package == project.name) return &project;
  for (const auto& p : packages)
    if (p.name == package) return &p;
  return nullptr;
}

std::filesystem::path Manifest::root_of(std::string_view package) const {
  const ProjectFile* p = package_file(package);
  return p ? p->root : project.root;
}

std::string Manifest::display_path(std::string_view package, const std::string& original_file_path) const {
  if (package.empty() || package == project.name) return original_file_path;
  return (std::filesystem::path(project.packages_install_path) / package / original_file_path)
      .generic_string();
}

}  // namespace pond::project
