#pragma once
// Semantic versions and the version ranges of hub packages in packages.yml
// (`version: [">=1.0.0", "<2.0.0"]`), resolved as dbt does: the newest available version that
// satisfies every constraint; pre-releases only when asked for (or pinned exactly).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::project {

// major.minor.patch[-prerelease][+build]. dbt also accepts a pre-release without the dash
// ("1.0.0rc1").
struct SemVer {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string prerelease;  // "" for a release
  std::string build;

  static std::optional<SemVer> parse(std::string_view text);
  std::string str() const;
  bool is_prerelease() const { return !prerelease.empty(); }
};

// Semver precedence (build metadata ignored; a pre-release sorts before its release).
int compare(const SemVer& a, const SemVer& b);

// One constraint such as ">=1.0.0"; no operator means exactly that version.
struct VersionConstraint {
  enum class Op { kEq, kLt, kLe, kGt, kGe };
  Op op = Op::kEq;
  SemVer version;
  bool matches(const SemVer& v) const;
  std::string str() const;
};

// The constraints written for one package (all must hold).
struct VersionRange {
  std::vector<VersionConstraint> constraints;

  // Parses every constraint; throws std::invalid_argument naming a bad one.
  static VersionRange parse(const std::vector<std::string>& specs);
  bool matches(const SemVer& v) const;
  bool pins_prerelease() const;  // an exact constraint on a pre-release
  std::string str() const;       // [">=1.0.0", "<2.0.0"]
};

// The newest of `available` (version strings; unparsable ones are skipped) in `range`.
std::optional<std::string> best_version(const std::vector<std::string>& available, const VersionRange& range,
                                        bool install_prerelease);

}  // namespace pond::project
