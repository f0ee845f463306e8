// Package versions, packages.yml / package-lock.yml, and installing hub/local packages
// through a fake HTTP getter (no network).
#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"
#include "common/process.hpp"
#include "project/manifest.hpp"
#include "project/package_version.hpp"
#include "project/packages_install.hpp"
#include "project/packages_spec.hpp"
#include "support/temp_dir.hpp"

namespace pond::project {
namespace {

namespace fs = std::filesystem;

TEST(SemVerTest, ParsesAndOrdersLikeSemver) {
  ASSERT_TRUE(SemVer::parse("1.2.3"));
  EXPECT_EQ(SemVer::parse("v1.2.3")->str(), "1.2.3");
  EXPECT_EQ(SemVer::parse("1.0.0rc1")->prerelease, "rc1");
  EXPECT_EQ(SemVer::parse("1.0.0-b.2+build5")->build, "build5");
  EXPECT_FALSE(SemVer::parse("1.2"));
  EXPECT_FALSE(SemVer::parse("one.two.three"));
  auto lt = [](const char* a, const char* b) { return compare(*SemVer::parse(a), *SemVer::parse(b)) < 0; };
  EXPECT_TRUE(lt("1.2.3", "1.10.0"));
  EXPECT_TRUE(lt("1.0.0-rc1", "1.0.0"));
  EXPECT_TRUE(lt("1.0.0-alpha", "1.0.0-alpha.1"));
  EXPECT_TRUE(lt("1.0.0-alpha.2", "1.0.0-alpha.10"));
  EXPECT_TRUE(lt("1.0.0-2", "1.0.0-alpha"));
  EXPECT_EQ(compare(*SemVer::parse("1.0.0+a"), *SemVer::parse("1.0.0+b")), 0);
}

TEST(VersionRangeTest, PicksTheNewestVersionInTheRange) {
  std::vector<std::string> available{"0.9.6", "1.0.0", "1.1.1", "1.3.0", "2.0.0", "1.4.0-rc1", "junk"};
  auto best = [&](std::vector<std::string> specs, bool pre = false) {
    return best_version(available, VersionRange::parse(specs), pre).value_or("none");
  };
  EXPECT_EQ(best({">=1.0.0", "<2.0.0"}), "1.3.0");
  EXPECT_EQ(best({">=1.0.0", "<2.0.0"}, true), "1.4.0-rc1");
  EXPECT_EQ(best({"1.1.1"}), "1.1.1");
  EXPECT_EQ(best({"=1.1.1"}), "1.1.1");
  EXPECT_EQ(best({"1.4.0-rc1"}), "1.4.0-rc1");  // an exact pre-release pin is honoured
  EXPECT_EQ(best({">1.0.0", "<=1.1.1"}), "1.1.1");
  EXPECT_EQ(best({">=3.0.0"}), "none");
  EXPECT_EQ(best({"<1.0.0"}), "0.9.6");
  EXPECT_EQ(VersionRange::parse({">=1.0.0", "<2.0.0"}).str(), "[\">=1.0.0\", \"<2.0.0\"]");
  EXPECT_THROW(VersionRange::parse({"~>1.0"}), std::invalid_argument);
}

TEST(PackagesFileTest, ReadsEveryKindAndHashesStably) {
  test::TempDir d;
  test::write_file(d / "packages.yml", R"(packages:
  - package: dbt-labs/dbt_utils
    version: [">=1.0.0", "<2.0.0"]
  - git: "https://example.com/repo.git"
    revision: v1.2
    subdirectory: pkg
  - local: ../shared
)");
  auto f = read_packages_file(d.path());
  ASSERT_TRUE(f);
  ASSERT_EQ(f->packages.size(), 3u);
  EXPECT_EQ(f->packages[0].kind, PackageKind::kHub);
  EXPECT_EQ(f->packages[0].version, (std::vector<std::string>{">=1.0.0", "<2.0.0"}));
  EXPECT_EQ(f->packages[1].kind, PackageKind::kGit);
  EXPECT_EQ(f->packages[1].subdirectory, "pkg");
  EXPECT_EQ(f->packages[2].local, "../shared");
  EXPECT_EQ(f->sha1_hash.size(), 40u);
  // Order of entries does not change the hash (dbt sorts them); content does.
  std::string first = f->sha1_hash;
  test::write_file(d / "packages.yml", R"(packages:
  - local: ../shared
  - git: "https://example.com/repo.git"
    subdirectory: pkg
    revision: v1.2
  - version: [">=1.0.0", "<2.0.0"]
    package: dbt-labs/dbt_utils
)");
  EXPECT_EQ(read_packages_file(d.path())->sha1_hash, first);
  test::write_file(d / "packages.yml", "packages:\n  - local: ../other\n");
  EXPECT_NE(read_packages_file(d.path())->sha1_hash, first);
}

TEST(PackagesFileTest, BadEntriesNameFileLineAndColumn) {
  test::TempDir d;
  test::write_file(d / "packages.yml", "packages:\n  - package: dbt-labs/dbt_utils\n");
  try {
    read_packages_file(d.path());
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("packages.yml:2:5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("needs a 'version:'"), std::string::npos) << e.what();
  }
  test::write_file(d / "packages.yml", "packages:\n  - revision: main\n");
  EXPECT_THROW(read_packages_file(d.path()), UserError);
  test::write_file(d / "packages.yml", "packages:\n  - package: dbt_utils\n    version: 1.0.0\n");
  EXPECT_THROW(read_packages_file(d.path()), UserError);
  test::write_file(d / "packages.yml", "packages:\n  - local: a\n");
  test::write_file(d / "dependencies.yml", "packages:\n  - local: b\n");
  EXPECT_THROW(read_packages_file(d.path()), UserError);
}

TEST(LockFileTest, RoundTrips) {
  LockFile lock;
  PackageSpec hub;
  hub.kind = PackageKind::kHub;
  hub.hub = "dbt-labs/dbt_utils";
  hub.version = {"1.3.0"};
  hub.name = "dbt_utils";
  PackageSpec git;
  git.kind = PackageKind::kGit;
  git.git = "https://example.com/x.git";
  git.revision = "0123456789abcdef0123456789abcdef01234567";
  git.subdirectory = "sub";
  git.name = "x";
  PackageSpec local;
  local.kind = PackageKind::kLocal;
  local.local = "../shared";
  local.name = "shared";
  lock.packages = {hub, git, local};
  lock.sha1_hash = "abc";
  test::TempDir d;
  test::write_file(d / "package-lock.yml", lock_file_text(lock));
  auto back = read_lock_file(d.path());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->sha1_hash, "abc");
  ASSERT_EQ(back->packages.size(), 3u);
  EXPECT_EQ(back->packages[0].hub, "dbt-labs/dbt_utils");
  EXPECT_EQ(back->packages[0].version, std::vector<std::string>{"1.3.0"});
  EXPECT_EQ(back->packages[0].name, "dbt_utils");
  EXPECT_EQ(back->packages[1].revision, git.revision);
  EXPECT_EQ(back->packages[1].subdirectory, "sub");
  EXPECT_EQ(back->packages[2].local, "../shared");
  EXPECT_EQ(lock_file_text(*back), lock_file_text(lock));
}

// A hub served from memory: index JSON and tarballs built with tar from folders.
class FakeHub {
 public:
  explicit FakeHub(const fs::path& work) : work_(work) {}
  void add_version(const std::string& pkg, const std::string& version, const std::string& name) {
    fs::path src = work_ / (name + "-" + version) / (name + "-" + version);
    test::write_file(src / "dbt_project.yml", "name: " + name + "\nversion: " + version + "\n");
    test::write_file(src / "macros/m.sql", "{% macro hello() %}" + version + "{% endmacro %}\n");
    fs::path tgz = work_ / (name + "-" + version + ".tar.gz");
    ChildResult r =
        run_child({"tar", "-czf", tgz.string(), "-C", src.parent_path().string(), src.filename().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    files_["http://hub/tar/" + name + "-" + version] = test::read_file(tgz);
    versions_[pkg][version] = "http://hub/tar/" + name + "-" + version;
  }
  HttpReply get(const std::string& url) {
    ++requests;
    for (const auto& [pkg, vs] : versions_) {
      if (url != "http://hub/api/v1/" + pkg + ".json") continue;
      nlohmann::json index{{"versions", nlohmann::json::object()}};
      for (const auto& [v, tar] : vs) index["versions"][v] = {{"downloads", {{"tarball", tar}}}};
      return {200, index.dump()};
    }
    if (auto it = files_.find(url); it != files_.end()) return {200, it->second};
    return {404, "not found"};
  }
  int requests = 0;

 private:
  fs::path work_;
  std::map<std::string, std::string> files_;
  std::map<std::string, std::map<std::string, std::string>> versions_;
};

ProjectFile make_project(const test::TempDir& d, const std::string& packages) {
  test::write_file(d / "proj/dbt_project.yml", "name: proj\n");
  test::write_file(d / "proj/packages.yml", packages);
  return ProjectFile::load(d / "proj");
}

TEST(InstallTest, HubAndLocalPackagesInstallAndLock) {
  test::TempDir d;
  FakeHub hub(d / "hub");
  hub.add_version("acme/utils", "1.0.0", "utils");
  hub.add_version("acme/utils", "1.2.0", "utils");
  hub.add_version("acme/utils", "2.0.0", "utils");
  test::write_file(d / "shared/dbt_project.yml", "name: shared_pkg\n");
  ProjectFile p = make_project(d, R"(packages:
  - package: acme/utils
    version: [">=1.0.0", "<2.0.0"]
  - local: ../shared
)");
  InstallOptions o;
  o.hub_url = "http://hub";
  o.http_get = [&](const std::string& url) { return hub.get(url); };
  InstallResult r = install_packages(p, o);
  EXPECT_FALSE(r.used_lock);
  ASSERT_EQ(r.installed.size(), 2u);
  EXPECT_EQ(test::read_file(d / "proj/dbt_packages/utils/macros/m.sql").find("1.2.0") != std::string::npos,
            true);
  EXPECT_TRUE(fs::is_symlink(d / "proj/dbt_packages/shared_pkg"));
  auto lock = read_lock_file(d / "proj");
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->sha1_hash, read_packages_file(d / "proj")->sha1_hash);
  // A newer matching version appears: the lock keeps 1.2.0 until --upgrade.
  hub.add_version("acme/utils", "1.5.0", "utils");
  r = install_packages(p, o);
  EXPECT_TRUE(r.used_lock);
  EXPECT_NE(test::read_file(d / "proj/dbt_packages/utils/macros/m.sql").find("1.2.0"), std::string::npos);
  o.upgrade = true;
  install_packages(p, o);
  EXPECT_NE(test::read_file(d / "proj/dbt_packages/utils/macros/m.sql").find("1.5.0"), std::string::npos);
}

TEST(InstallTest, FailuresLeaveInstalledPackagesAlone) {
  test::TempDir d;
  FakeHub hub(d / "hub");
  hub.add_version("acme/utils", "1.0.0", "utils");
  ProjectFile p = make_project(d, "packages:\n  - package: acme/utils\n    version: 1.0.0\n");
  InstallOptions o;
  o.hub_url = "http://hub";
  o.http_get = [&](const std::string& url) { return hub.get(url); };
  install_packages(p, o);
  std::string lock_before = test::read_file(d / "proj/package-lock.yml");
  auto expect_error = [&](const std::string& packages, const std::string& message) {
    test::write_file(d / "proj/packages.yml", packages);
    try {
      install_packages(p, o);
      FAIL() << "expected: " << message;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::exists(d / "proj/dbt_packages/utils/dbt_project.yml"));
    EXPECT_EQ(test::read_file(d / "proj/package-lock.yml"), lock_before);
    for (const auto& e : fs::directory_iterator(d / "proj"))
      EXPECT_EQ(e.path().filename().string().find(".pond-"), std::string::npos) << e.path();
  };
  expect_error("packages:\n  - package: acme/nope\n    version: 1.0.0\n", "was not found on the package hub");
  expect_error("packages:\n  - package: acme/utils\n    version: \">=3.0.0\"\n",
               "no version of acme/utils matches [\">=3.0.0\"]");
  expect_error("packages:\n  - package: acme/utils\n    version: 1.0.0\n  - local: ../missing\n",
               "local package '../missing' was not found");
}

TEST(InstallTest, TransitiveRangesNarrowTheChoice) {
  test::TempDir d;
  FakeHub hub(d / "hub");
  for (const char* v : {"1.0.0", "1.2.0", "2.0.0"}) hub.add_version("acme/utils", v, "utils");
  // The root asks for any 1.x or later; a package it uses needs < 2: 1.2.0 satisfies both.
  test::write_file(d / "shared/dbt_project.yml", "name: shared_pkg\n");
  test::write_file(d / "shared/packages.yml",
                   "packages:\n  - package: acme/utils\n    version: [\"<2.0.0\"]\n");
  ProjectFile p = make_project(d, R"(packages:
  - package: acme/utils
    version: ">=1.0.0"
  - local: ../shared
)");
  InstallOptions o;
  o.hub_url = "http://hub";
  o.http_get = [&](const std::string& url) { return hub.get(url); };
  InstallResult r = install_packages(p, o);
  ASSERT_EQ(r.installed.size(), 2u);
  EXPECT_EQ(r.installed[1].name, "utils");
  EXPECT_EQ(r.installed[1].version, std::vector<std::string>{"1.2.0"});
  EXPECT_NE(test::read_file(d / "proj/dbt_packages/utils/macros/m.sql").find("1.2.0"), std::string::npos);
  // Constraints that cannot hold together are an error naming all of them.
  test::write_file(d / "shared/packages.yml",
                   "packages:\n  - package: acme/utils\n    version: [\"<1.0.0\"]\n");
  o.upgrade = true;
  try {
    install_packages(p, o);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("[\">=1.0.0\", \"<1.0.0\"]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("dbt_packages/shared_pkg/packages.yml:2:5"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace pond::project
