#pragma once
// `pond deps`: resolves packages.yml (or the lock file) and installs every package, with its
// own dependencies, into <packages-install-path>/<name>; writes package-lock.yml.
// Everything is fetched into a staging folder first and swapped in at the end, so a failure
// leaves the installed packages and the lock file as they were.
#include <functional>
#include <string>
#include <vector>

#include "project/packages_spec.hpp"
#include "project/project_file.hpp"

namespace pond::project {

// An HTTP answer; the installer judges the status (transport errors are thrown by the getter).
struct HttpReply {
  long status = 0;
  std::string body;
};
using HttpGet = std::function<HttpReply(const std::string& url)>;

struct InstallOptions {
  std::string hub_url = "https://hub.getdbt.com/";  // DBT_PACKAGE_HUB_URL overrides it in the CLI
  bool upgrade = false;                             // ignore package-lock.yml and resolve packages.yml again
  HttpGet http_get;                                 // required for hub and tarball packages
};

struct InstallResult {
  bool no_packages = false;            // the project lists none; nothing was touched
  bool used_lock = false;              // versions came from package-lock.yml
  std::vector<PackageSpec> installed;  // as locked: exact version / commit, with names
};

InstallResult install_packages(const ProjectFile& project, const InstallOptions& options);

}  // namespace pond::project
