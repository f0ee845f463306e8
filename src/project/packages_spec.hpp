#pragma once
// packages.yml / dependencies.yml (what a project asks for) and package-lock.yml (what
// `pond deps` resolved it to), in dbt's formats.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace pond::project {

enum class PackageKind { kLocal, kGit, kHub, kTarball };

// One entry of `packages:`. In a lock file, `version` is one exact version and `revision` a
// commit hash.
struct PackageSpec {
  PackageKind kind = PackageKind::kHub;
  std::string local;                 // local: path (relative to the project that declares it)
  std::string git;                   // git: URL or path of the repository
  std::string revision;              // git: branch, tag or commit (empty: the default branch)
  std::string subdirectory;          // git: the package's folder inside the repository
  std::string hub;                   // package: "dbt-labs/dbt_utils"
  std::vector<std::string> version;  // package: constraints as written
  bool install_prerelease = false;
  std::string tarball;   // tarball: URL
  std::string name;      // lock files and tarball entries: the package's name
  SourceLocation where;  // the entry in its file (errors point here)

  std::string describe() const;  // "package dbt-labs/dbt_utils", "git https://...", ...
};

// A project's package list.
struct PackagesFile {
  std::string display_path;  // as errors name it ("packages.yml", "dbt_packages/x/packages.yml")
  std::vector<PackageSpec> packages;
  std::string sha1_hash;  // dbt's recipe over the entries as written (see .cpp)
};

// Reads <root>/packages.yml or <root>/dependencies.yml (env_var() rendered); nullopt when the
// project has neither or lists no packages. Both listing packages is an error, as in dbt.
// `display_prefix` is prepended to file names in errors.
std::optional<PackagesFile> read_packages_file(const std::filesystem::path& root,
                                               const std::string& display_prefix = {});

// package-lock.yml.
struct LockFile {
  std::vector<PackageSpec> packages;
  std::string sha1_hash;
};

// package-lock.yml in `root` (nullopt when there is none).
std::optional<LockFile> read_lock_file(const std::filesystem::path& root);
std::string lock_file_text(const LockFile& lock);

// Hex sha1 (lock file hashes, hub tarball checks).
std::string sha1_hex(std::string_view data);

}  // namespace pond::project
