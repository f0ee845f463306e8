#include "project/packages_install.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <deque>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/process.hpp"
#include "common/text.hpp"
#include "project/package_version.hpp"
#include "project/yaml_file.hpp"

namespace pond::project {

namespace fs = std::filesystem;

namespace {

// Removes a folder tree when it goes out of scope (staging and scratch space).
class ScopedDir {
 public:
  explicit ScopedDir(fs::path p) : path_(std::move(p)) {
    std::error_code ec;
    fs::remove_all(path_, ec);
    fs::create_directories(path_);
  }
  ~ScopedDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string first_line(const std::string& text) {
  std::string_view t = trim(text);
  return std::string(t.substr(0, t.find('\n')));
}

// The `name:` of the dbt_project.yml in `dir`: the folder name it is installed under.
std::string package_name_in(const fs::path& dir, const PackageSpec& spec) {
  std::error_code ec;
  if (!fs::exists(dir / "dbt_project.yml", ec)) {
    throw UserError(spec.where,
                    spec.describe() + " has no dbt_project.yml" +
                        (spec.subdirectory.empty() ? "" : " in '" + spec.subdirectory + "'"),
                    spec.kind == PackageKind::kGit ? "set 'subdirectory:' to the folder of the package"
                                                   : "a dbt package is a folder with a dbt_project.yml");
  }
  YamlFile file = YamlFile::load(dir / "dbt_project.yml", spec.describe() + ": dbt_project.yml");
  YAML::Node name = file.root()["name"];
  if (!name || !name.IsScalar() || name.Scalar().empty())
    file.fail(file.root(), "dbt_project.yml needs a 'name:'");
  return name.Scalar();
}

// Git with no terminal prompts: a missing repository must fail, not wait for a password.
ChildResult git(const std::vector<std::string>& args, const fs::path& cwd = {}) {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_child(argv, cwd, {{"GIT_TERMINAL_PROMPT", "0"}});
}

class Installer {
 public:
  Installer(const ProjectFile& project, const InstallOptions& options, const fs::path& staging,
            const fs::path& scratch)
      : project_(project), options_(options), staging_(staging), scratch_(scratch) {}

  // Installs `specs` (declared in the project at `declared_in`), following each package's
  // own packages.yml when `transitive`.
  void run(const std::vector<PackageSpec>& specs, bool transitive) {
    for (const auto& s : specs) queue_.push_back({s, project_.root});
    while (!queue_.empty()) {
      auto [spec, declared_in] = queue_.front();
      queue_.pop_front();
      fs::path dir = install(spec, declared_in);
      if (transitive && !dir.empty()) {
        std::string prefix =
            (fs::path(project_.packages_install_path) / dir.filename()).generic_string() + "/";
        if (auto more = read_packages_file(dir, prefix))
          for (auto& s : more->packages) queue_.push_back({s, fs::absolute(dir)});
      }
    }
  }

  std::vector<PackageSpec> locked() const {
    std::vector<PackageSpec> out;
    for (const auto& [name, p] : installed_) out.push_back(p.locked);
    return out;
  }

 private:
  struct Installed {
    PackageSpec locked;
    std::string identity;            // same package from the same place
    std::string requested_revision;  // git: the revision as written
    VersionRange hub_range;          // hub: every constraint seen so far
    bool prerelease = false;         // hub: install-prerelease asked for by some entry
  };

  static std::string identity(const PackageSpec& s, const fs::path& declared_in) {
    switch (s.kind) {
      case PackageKind::kLocal:
        return "local:" + fs::weakly_canonical(declared_in / s.local).string();
      case PackageKind::kGit:
        return "git:" + s.git + "#" + s.subdirectory;
      case PackageKind::kHub:
        return "hub:" + to_lower(s.hub);
      case PackageKind::kTarball:
        return "tarball:" + s.tarball;
    }
    return {};
  }

  // Returns the installed folder (empty when nothing new was installed).
  fs::path install(const PackageSpec& spec, const fs::path& declared_in) {
    std::string id = identity(spec, declared_in);
    if (spec.kind == PackageKind::kHub) return install_hub(spec, id);
    for (const auto& [name, p] : installed_) {
      if (p.identity != id) continue;
      bool same = spec.kind != PackageKind::kGit || spec.revision == p.requested_revision ||
                  spec.revision == p.locked.revision;
      if (!same) {
        throw UserError(spec.where, spec.describe() + " is required with two different revisions",
                        "another entry asks for '" + p.requested_revision + "'; use one revision everywhere");
      }
      return {};
    }
    PackageSpec locked = spec;
    fs::path fetched;
    switch (spec.kind) {
      case PackageKind::kLocal:
        fetched = fetch_local(spec, declared_in, locked);
        break;
      case PackageKind::kGit:
        fetched = fetch_git(spec, declared_in, locked);
        break;
      case PackageKind::kTarball:
        fetched = fetch_tarball(spec, spec.tarball, "");
        break;
      case PackageKind::kHub:
        break;
    }
    return place(spec, locked, id, fetched, spec.kind == PackageKind::kLocal);
  }

  fs::path place(const PackageSpec& spec, PackageSpec locked, const std::string& id, const fs::path& fetched,
                 bool is_link) {
    std::string name = package_name_in(fetched, spec);
    if (!spec.name.empty() && spec.kind == PackageKind::kTarball && spec.name != name)
      log::warn("{}: the tarball's dbt_project.yml names the package '{}', not '{}'", spec.where.file, name,
                spec.name);
    if (name == project_.name) {
      throw UserError(spec.where, spec.describe() + " is named '" + name + "', like this project",
                      "a project cannot depend on a package of its own name");
    }
    if (auto it = installed_.find(name); it != installed_.end()) {
      throw UserError(spec.where, "two different packages are named '" + name + "'",
                      "one is " + it->second.locked.describe() + ", the other " + spec.describe());
    }
    fs::path dest = staging_ / name;
    if (is_link) {
      fs::create_directory_symlink(fs::absolute(fetched), dest);
    } else {
      fs::rename(fetched, dest);
    }
    locked.name = name;
    locked.where = {};
    installed_[name] = Installed{locked, id, spec.revision, {}, false};
    log::info("Installed {} as {}", locked.describe(), name);
    return dest;
  }

  fs::path fetch_local(const PackageSpec& spec, const fs::path& declared_in, PackageSpec&) {
    fs::path dir = fs::path(spec.local).is_absolute() ? fs::path(spec.local) : declared_in / spec.local;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      throw UserError(
          spec.where,
          "local package '" + spec.local + "' was not found (" + dir.lexically_normal().string() + ")",
          "the path is relative to the project that lists it");
    }
    return fs::weakly_canonical(dir);
  }

  fs::path fetch_git(const PackageSpec& spec, const fs::path& declared_in, PackageSpec& locked) {
    fs::path dir = scratch_ / ("git-" + std::to_string(counter_++));
    // A relative local path is relative to the project that lists it, like `local:`.
    std::string url = spec.git;
    if (url.rfind("./", 0) == 0 || url.rfind("../", 0) == 0)
      url = fs::absolute(declared_in / url).lexically_normal().string();
    ChildResult r = git({"clone", "--quiet", url, dir.string()});
    if (r.exit_code != 0) {
      throw UserError(spec.where, "cannot clone git package " + spec.git + ": " + first_line(r.err),
                      "check the URL and that you can access the repository");
    }
    if (!spec.revision.empty()) {
      r = git({"checkout", "--quiet", spec.revision}, dir);
      if (r.exit_code != 0) {
        throw UserError(
            spec.where, "git revision '" + spec.revision + "' was not found in " + spec.git,
            "use a branch, tag or commit of that repository (git said: " + first_line(r.err) + ")");
      }
    }
    r = git({"rev-parse", "HEAD"}, dir);
    if (r.exit_code != 0)
      throw UserError(spec.where,
                      "git rev-parse failed in the clone of " + spec.git + ": " + first_line(r.err));
    locked.revision = std::string(trim(r.out));
    locked.where = {};
    fs::path root = dir;
    if (!spec.subdirectory.empty()) {
      root = dir / spec.subdirectory;
      std::error_code ec;
      if (!fs::is_directory(root, ec))
        throw UserError(spec.where, "git package " + spec.git + " has no folder '" + spec.subdirectory + "'",
                        "check 'subdirectory:'");
    }
    return root;
  }

  HttpReply get(const std::string& url, const PackageSpec& spec) {
    if (!options_.http_get) throw UserError(spec.where, "downloading packages is not available here");
    try {
      return options_.http_get(url);
    } catch (const UserError& e) {
      throw UserError(spec.where, spec.describe() + ": " + e.message(), e.hint());
    }
  }

  // Downloads a .tar.gz and unpacks it; the package is its single top folder (GitHub's
  // tarballs) or the archive root.
  fs::path fetch_tarball(const PackageSpec& spec, const std::string& url, const std::string& sha1) {
    HttpReply reply = get(url, spec);
    if (reply.status >= 400) {
      throw UserError(spec.where, "cannot download " + url + " for " + spec.describe() + ": HTTP " +
                                      std::to_string(reply.status));
    }
    if (!sha1.empty()) {
      std::string got = sha1_hex(reply.body);
      if (got != sha1)
        throw UserError(spec.where, "the download of " + url + " has sha1 " + got + ", the hub says " + sha1,
                        "the file changed or was corrupted in transit; try again");
    }
    fs::path work = scratch_ / ("tar-" + std::to_string(counter_++));
    fs::create_directories(work / "x");
    fs::path archive = work / "package.tar.gz";
    {
      std::ofstream out(archive, std::ios::binary);
      out.write(reply.body.data(), static_cast<std::streamsize>(reply.body.size()));
      if (!out) throw UserError("cannot write " + archive.string());
    }
    ChildResult r = run_child({"tar", "-xzf", archive.string(), "-C", (work / "x").string()});
    if (r.exit_code != 0)
      throw UserError(spec.where, "cannot unpack " + url + ": " + first_line(r.err),
                      "is it a .tar.gz archive?");
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(work / "x")) entries.push_back(e.path());
    if (entries.size() == 1 && fs::is_directory(entries[0])) return entries[0];
    return work / "x";
  }

  fs::path install_hub(const PackageSpec& spec, const std::string& id) {
    VersionRange range;
    try {
      range = VersionRange::parse(spec.version);
    } catch (const std::invalid_argument& e) {
      throw UserError(spec.where, std::string("version of ") + spec.hub + ": " + e.what());
    }
    // The same hub package from several places: all constraints must hold at once.
    Installed* existing = nullptr;
    for (auto& [name, p] : installed_)
      if (p.identity == id) existing = &p;
    if (existing) {
      existing->hub_range.constraints.insert(existing->hub_range.constraints.end(), range.constraints.begin(),
                                             range.constraints.end());
      existing->prerelease = existing->prerelease || spec.install_prerelease;
      auto v = SemVer::parse(existing->locked.version.front());
      if (v && existing->hub_range.matches(*v)) return {};
      range = existing->hub_range;
    }
    const nlohmann::json index = hub_index(spec);
    std::vector<std::string> available;
    if (index.contains("versions") && index["versions"].is_object())
      for (const auto& [v, info] : index["versions"].items()) available.push_back(v);
    bool prerelease = spec.install_prerelease || (existing && existing->prerelease);
    auto chosen = best_version(available, range, prerelease);
    if (!chosen) {
      std::vector<std::string> sorted = available;
      std::sort(sorted.begin(), sorted.end(), [](const std::string& a, const std::string& b) {
        auto va = SemVer::parse(a), vb = SemVer::parse(b);
        return va && vb ? compare(*va, *vb) < 0 : a < b;
      });
      std::string list;
      for (const auto& v : sorted) list += (list.empty() ? "" : ", ") + v;
      throw UserError(spec.where, "no version of " + spec.hub + " matches " + range.str(),
                      list.empty() ? "the hub lists no versions of it" : "available: " + list);
    }
    const nlohmann::json& info = index["versions"][*chosen];
    std::string tarball, sha1;
    if (info.contains("downloads") && info["downloads"].is_object()) {
      tarball = info["downloads"].value("tarball", "");
      sha1 = info["downloads"].value("sha1", "");
    }
    if (tarball.empty())
      throw UserError(spec.where, "the hub lists no tarball for " + spec.hub + " " + *chosen);
    if (existing) {
      // A later constraint ruled out the version installed first: replace it.
      std::error_code ec;
      fs::remove_all(staging_ / existing->locked.name, ec);
      installed_.erase(existing->locked.name);
    }
    fs::path fetched = fetch_tarball(spec, tarball, sha1);
    PackageSpec locked = spec;
    locked.version = {*chosen};
    fs::path dest = place(spec, locked, id, fetched, false);
    Installed& p = installed_[dest.filename().string()];
    p.hub_range = range;
    p.prerelease = prerelease;
    return dest;
  }

  nlohmann::json hub_index(const PackageSpec& spec) {
    std::string base = options_.hub_url;
    if (!base.empty() && base.back() != '/') base += '/';
    std::string url = base + "api/v1/" + spec.hub + ".json";
    HttpReply reply = get(url, spec);
    if (reply.status == 404) {
      throw UserError(spec.where, "package '" + spec.hub + "' was not found on the package hub (" + url + ")",
                      "check the spelling on hub.getdbt.com; owner/name as in dbt-labs/dbt_utils");
    }
    if (reply.status >= 400)
      throw UserError(spec.where,
                      "the package hub answered HTTP " + std::to_string(reply.status) + " for " + url);
    nlohmann::json index = nlohmann::json::parse(reply.body, nullptr, false);
    if (index.is_discarded() || !index.is_object())
      throw UserError(spec.where,
                      "the package hub's answer for " + spec.hub + " is not a JSON object (" + url + ")");
    return index;
  }

  const ProjectFile& project_;
  const InstallOptions& options_;
  fs::path staging_;
  fs::path scratch_;
  std::deque<std::pair<PackageSpec, fs::path>> queue_;
  std::map<std::string, Installed> installed_;
  int counter_ = 0;
};

}  // namespace

InstallResult install_packages(const ProjectFile& project, const InstallOptions& options) {
  InstallResult result;
  std::optional<PackagesFile> wanted = read_packages_file(project.root);
  if (!wanted || wanted->packages.empty()) {
    result.no_packages = true;
    return result;
  }
  std::optional<LockFile> lock = options.upgrade ? std::nullopt : read_lock_file(project.root);
  result.used_lock = lock && lock->sha1_hash == wanted->sha1_hash && !lock->packages.empty();
  if (lock && !result.used_lock && !options.upgrade)
    log::info("{} changed since package-lock.yml was written; resolving it again", wanted->display_path);

  fs::path install_dir = project.root / project.packages_install_path;
  std::string base = install_dir.filename().string();
  std::string pid = std::to_string(::getpid());
  // Left by a pond deps that was killed (a second Ctrl-C exits at once, without cleanup).
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(install_dir.parent_path(), ec))
    if (e.path().filename().string().rfind("." + base + ".pond-", 0) == 0) fs::remove_all(e.path(), ec);
  // Staging next to the install folder, so the final swap is a rename on one file system.
  ScopedDir staging(install_dir.parent_path() / ("." + base + ".pond-new-" + pid));
  ScopedDir scratch(install_dir.parent_path() / ("." + base + ".pond-work-" + pid));
  Installer installer(project, options, staging.path(), scratch.path());
  if (result.used_lock) {
    installer.run(lock->packages, false);
  } else {
    installer.run(wanted->packages, true);
  }
  result.installed = installer.locked();

  // Everything is fetched: swap the new folder in, then write the lock file.
  fs::path old = install_dir.parent_path() / ("." + base + ".pond-old-" + pid);
  bool had_old = fs::exists(install_dir, ec);
  if (had_old) fs::rename(install_dir, old);
  try {
    fs::rename(staging.path(), install_dir);
  } catch (...) {
    if (had_old) fs::rename(old, install_dir, ec);
    throw;
  }
  fs::remove_all(old, ec);

  LockFile written{result.installed, wanted->sha1_hash};
  fs::path lock_path = project.root / "package-lock.yml";
  fs::path tmp = project.root / ("package-lock.yml.pond-" + pid);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << lock_file_text(written);
    if (!out) throw UserError("cannot write " + tmp.string());
  }
  fs::rename(tmp, lock_path);
  return result;
}

}  // namespace pond::project
