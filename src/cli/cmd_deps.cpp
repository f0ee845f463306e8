// `pond deps`: installs the packages of packages.yml / dependencies.yml into dbt_packages/
// and writes package-lock.yml (project/packages_install.hpp does the work).
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "common/log.hpp"
#include "project/packages_install.hpp"
#include "project/project_locator.hpp"
#include "storage/http.hpp"

namespace pond::cli {

int run_deps(CommandContext& ctx, const DepsOptions& options) {
  std::filesystem::path start = ctx.options.project_dir.value_or(std::filesystem::current_path());
  project::ProjectFile proj = project::ProjectFile::load(project::find_project_root(start));
  project::InstallOptions io;
  // dbt's variable for a private or mirrored hub; tests point it at a local server.
  if (const char* hub = std::getenv("DBT_PACKAGE_HUB_URL"); hub && *hub) io.hub_url = hub;
  io.upgrade = options.upgrade;
  io.http_get = [](const std::string& url) {
    storage::HttpResponse r = storage::http_get(url);
    return project::HttpReply{r.status, std::move(r.body)};
  };
  project::InstallResult result = project::install_packages(proj, io);
  if (result.no_packages) {
    std::cout << "No packages are listed in packages.yml or dependencies.yml; nothing to install\n";
    return 0;
  }
  for (const auto& p : result.installed) {
    std::string what;
    switch (p.kind) {
      case project::PackageKind::kHub:
        what = p.hub + " " + p.version.front();
        break;
      case project::PackageKind::kGit:
        what = p.git + "@" + p.revision.substr(0, 12) +
               (p.subdirectory.empty() ? "" : " (" + p.subdirectory + ")");
        break;
      case project::PackageKind::kLocal:
        what = p.local + " (linked)";
        break;
      case project::PackageKind::kTarball:
        what = p.tarball;
        break;
    }
    std::cout << "  " << p.name << ": " << what << "\n";
  }
  std::cout << "Installed " << result.installed.size()
            << (result.installed.size() == 1 ? " package" : " packages") << " into "
            << proj.packages_install_path << "/"
            << (result.used_lock ? " (versions from package-lock.yml)" : "; wrote package-lock.yml") << "\n";
  return 0;
}

}  // namespace pond::cli
