// pond deps and projects built on packages: a local package, a git package from a repository
// made here, a hub package from a local HTTP server, and the failures that must leave
// dbt_packages/ alone. Projects: tests/projects/with_packages and tests/projects/pkg_utils.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/text.hpp"
#include "e2e/pond_runner.hpp"

extern char** environ;

namespace pond::test {

namespace {

namespace fs = std::filesystem;

// A static-file HTTP server (Python's http.server) on a free local port. It exits when its
// stdin closes, which the destructor does.
class HttpFixture {
 public:
  explicit HttpFixture(const fs::path& root) {
    fs::path port_file = root.parent_path() / "http.port";
    const char* script =
        "import functools, http.server, os, sys, threading\n"
        "handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
        "srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)\n"
        "open(sys.argv[2] + '.tmp', 'w').write(str(srv.server_address[1]))\n"
        "os.rename(sys.argv[2] + '.tmp', sys.argv[2])\n"
        "threading.Thread(target=srv.serve_forever, daemon=True).start()\n"
        "sys.stdin.read()\n"
        "srv.shutdown()\n";
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> args{"python3", "-c", script, root.string(), port_file.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawnp(&pid_, "python3", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[0]);
    write_end_ = fds[1];
    if (rc != 0) throw std::runtime_error("cannot start python3");
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    port_ = read_file(port_file);
  }
  ~HttpFixture() {
    ::close(write_end_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  HttpFixture(const HttpFixture&) = delete;
  HttpFixture& operator=(const HttpFixture&) = delete;
  std::string url() const { return "http://127.0.0.1:" + port_; }

 private:
  pid_t pid_ = 0;
  int write_end_ = -1;
  std::string port_;
};

// run_process does not search PATH; env does.
ProcessResult sh(const std::vector<std::string>& argv, const fs::path& cwd) {
  ProcessOptions o;
  o.cwd = cwd;
  std::vector<std::string> with_env{"/usr/bin/env"};
  with_env.insert(with_env.end(), argv.begin(), argv.end());
  return run_process(with_env, o);
}

ProcessResult git(const fs::path& repo, std::vector<std::string> args) {
  std::vector<std::string> argv{"git",
                                "-c",
                                "user.name=pond test",
                                "-c",
                                "user.email=test@pond.local",
                                "-c",
                                "init.defaultBranch=main"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult r = sh(argv, repo);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r;
}

// Everything below dbt_packages/ (path and file content) and the lock file: what a failed
// `pond deps` must leave as it was.
std::string snapshot(const fs::path& project) {
  std::string out;
  fs::path dir = project / "dbt_packages";
  if (fs::exists(dir)) {
    std::vector<std::string> lines;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
      if (it->path().filename() == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      std::string line = fs::relative(it->path(), dir).string();
      if (it->is_regular_file()) line += " " + read_file(it->path());
      lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    for (auto& l : lines) out += l + "\n";
  }
  if (fs::exists(project / "package-lock.yml")) out += read_file(project / "package-lock.yml");
  return out;
}

class PackagesTest : public PondTest {
 protected:
  fs::path copy(const std::string& name, const fs::path& to) {
    fs::create_directories(to.parent_path());
    fs::copy(fs::path(POND_SOURCE_DIR) / "tests/projects" / name, to, fs::copy_options::recursive);
    return to;
  }
  fs::path app() { return copy("with_packages", dir_ / "app"); }
  void write_packages(const fs::path& app, const std::string& yml) { write_file(app / "packages.yml", yml); }
  ProcessResult deps(const fs::path& app, const std::string& hub = "", std::vector<std::string> extra = {}) {
    ProcessOptions o;
    if (!hub.empty()) o.env["DBT_PACKAGE_HUB_URL"] = hub;
    std::vector<std::string> args{"deps"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_pond(args, app, o);
  }
  void expect_failure(const fs::path& app, const std::string& packages_yml, const std::string& message,
                      const std::string& hub = "") {
    std::string before = snapshot(app);
    write_packages(app, packages_yml);
    ProcessResult r = deps(app, hub);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, message)) << r.err;
    EXPECT_TRUE(contains(r.err, "packages.yml:")) << "the error names the entry: " << r.err;
    EXPECT_EQ(snapshot(app), before);
    for (const auto& e : fs::directory_iterator(app))
      EXPECT_FALSE(contains(e.path().filename().string(), ".pond-")) << "left behind: " << e.path();
  }
};

}  // namespace

TEST_F(PackagesTest, LocalPackageWithDispatchNamespacesAndScopedConfigBuilds) {
  copy("pkg_utils", dir_ / "pkg_utils");
  fs::path root = app();
  ProcessResult r = run_pond({"parse"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "run pond deps")) << r.err;

  r = deps(root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(root / "dbt_packages/pkg_utils"));
  EXPECT_TRUE(contains(read_file(root / "package-lock.yml"), "local: ../pkg_utils"));

  r = run_pond({"compile", "-s", "uses"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // duckdb__safe_add from the package; default__greet from the app (search_order lists it first).
  EXPECT_TRUE(contains(r.out, "(coalesce(n, 0) + coalesce(1, 0)) as n1")) << r.out;
  EXPECT_TRUE(contains(r.out, "'hello from app' as greeting")) << r.out;
  EXPECT_TRUE(contains(r.out, "from \"app\".\"main_pkgs\".\"pkg_numbers\"")) << r.out;

  r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "PASS=6")) << r.out;

  auto m = nlohmann::json::parse(read_file(root / "target/manifest.json"));
  auto& pkg_model = m["nodes"]["model.pkg_utils.pkg_numbers"];
  EXPECT_EQ(pkg_model["fqn"], nlohmann::json::array({"pkg_utils", "pkg_numbers"}));
  EXPECT_EQ(pkg_model["package_name"], "pkg_utils");
  EXPECT_EQ(pkg_model["original_file_path"], "models/pkg_numbers.sql");
  EXPECT_EQ(pkg_model["config"]["materialized"], "view");  // the package's own dbt_project.yml
  EXPECT_EQ(pkg_model["schema"], "main_pkgs");             // the root project's `models: pkg_utils:`
  EXPECT_EQ(pkg_model["tags"], nlohmann::json::array({"from_pkg"}));
  EXPECT_TRUE(m["nodes"].contains("seed.pkg_utils.pkg_seed"));
  EXPECT_EQ(m["nodes"]["model.app.uses"]["depends_on"]["nodes"],
            nlohmann::json::array({"model.pkg_utils.pkg_numbers"}));
  EXPECT_TRUE(m["macros"].contains("macro.pkg_utils.duckdb__safe_add"));
  EXPECT_EQ(pkg_model["depends_on"]["macros"], nlohmann::json::array({"macro.pkg_utils.pkg_version"}));

  // Package vars and an unqualified call to the package's own macro, in a package model.
  std::string compiled = read_file(root / "target/compiled/pkg_utils/models/pkg_numbers.sql");
  EXPECT_TRUE(contains(compiled, "'pkg v1' as version, 'from-package' as label, 'package-scoped' as scoped"))
      << compiled;
  // The root project's vars win over the package's.
  r = run_pond({"compile", "-s", "pkg_numbers", "--vars", "{label: from-cli}"}, root);
  EXPECT_TRUE(contains(r.out, "'from-cli' as label")) << r.out << r.err;
  r = run_pond({"ls", "-s", "package:pkg_utils", "--resource-type", "model"}, root);
  EXPECT_EQ(r.out, "pkg_utils.pkg_numbers\n");

  // Errors in a package's files name them as found from the project.
  write_file(dir_ / "pkg_utils/models/bad.sql", "select 1\nfrom {{ ref('nope') }}\n");
  r = run_pond({"parse"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "dbt_packages/pkg_utils/models/bad.sql:2")) << r.err;
  write_file(dir_ / "pkg_utils/models/bad.sql", "select {{ undefined_macro() }}\n");
  r = run_pond({"compile", "-s", "bad"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "dbt_packages/pkg_utils/models/bad.sql:1")) << r.err;
}

TEST_F(PackagesTest, GitPackageFromALocalRepositoryIsLockedToItsCommit) {
  fs::path repo = dir_ / "repo";
  copy("pkg_utils", repo / "dbt" / "pkg_utils");
  git(repo, {"init", "-q"});
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "-m", "v1"});
  git(repo, {"tag", "v1.0"});
  std::string v1 = std::string(pond::trim(git(repo, {"rev-parse", "HEAD"}).out));
  write_file(
      repo / "dbt/pkg_utils/macros/cross_db.sql",
      read_file(repo / "dbt/pkg_utils/macros/cross_db.sql") + "\n{% macro added_in_v2() %}2{% endmacro %}\n");
  git(repo, {"commit", "-q", "-am", "v2"});

  fs::path root = app();
  write_packages(root, "packages:\n  - git: \"" + repo.string() +
                           "\"\n    revision: v1.0\n    subdirectory: dbt/pkg_utils\n");
  ProcessResult r = deps(root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string lock = read_file(root / "package-lock.yml");
  EXPECT_TRUE(contains(lock, "revision: " + v1)) << lock;
  EXPECT_TRUE(contains(lock, "subdirectory: dbt/pkg_utils")) << lock;
  EXPECT_TRUE(contains(lock, "name: pkg_utils")) << lock;
  EXPECT_FALSE(contains(read_file(root / "dbt_packages/pkg_utils/macros/cross_db.sql"), "added_in_v2"));
  r = run_pond({"build"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // The tag moves; with the lock file, a second pond deps installs the same commit.
  git(repo, {"tag", "-f", "v1.0"});
  r = deps(root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "versions from package-lock.yml")) << r.out;
  EXPECT_EQ(read_file(root / "package-lock.yml"), lock);
  EXPECT_FALSE(contains(read_file(root / "dbt_packages/pkg_utils/macros/cross_db.sql"), "added_in_v2"));
  r = deps(root, "", {"--upgrade"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(read_file(root / "dbt_packages/pkg_utils/macros/cross_db.sql"), "added_in_v2"));

  expect_failure(
      root,
      "packages:\n  - git: \"" + repo.string() + "\"\n    revision: v9.9\n    subdirectory: dbt/pkg_utils\n",
      "git revision 'v9.9' was not found in " + repo.string());
  expect_failure(root, "packages:\n  - git: \"" + (dir_ / "no_repo").string() + "\"\n",
                 "cannot clone git package");
  expect_failure(
      root, "packages:\n  - git: \"" + repo.string() + "\"\n    revision: v1.0\n    subdirectory: nope\n",
      "has no folder 'nope'");
}

TEST_F(PackagesTest, HubPackageResolvesTheNewestVersionInTheRange) {
  // The hub: an index per package (api/v1/<owner>/<name>.json) and tarballs in GitHub's shape
  // (one top folder).
  fs::path hub = dir_ / "hub";
  for (const std::string version : {"1.0.0", "1.1.0", "2.0.0"}) {
    fs::path src = dir_ / "src" / ("pkg-utils-" + version);
    copy("pkg_utils", src);
    write_file(src / "macros/version.sql", "{% macro hub_version() %}'" + version + "'{% endmacro %}\n");
    fs::create_directories(hub / "tarballs");
    ProcessResult t = sh({"tar", "-czf", (hub / "tarballs" / (version + ".tar.gz")).string(), "-C",
                          (dir_ / "src").string(), "pkg-utils-" + version},
                         dir_.path());
    ASSERT_EQ(t.exit_code, 0) << t.err;
  }
  HttpFixture server(hub);
  nlohmann::json index{{"name", "pkg_utils"}, {"namespace", "acme"}, {"latest", "2.0.0"}};
  for (const std::string version : {"1.0.0", "1.1.0", "2.0.0"})
    index["versions"][version] = {
        {"name", "pkg_utils"},
        {"version", version},
        {"downloads", {{"tarball", server.url() + "/tarballs/" + version + ".tar.gz"}}}};
  write_file(hub / "api/v1/acme/pkg_utils.json", index.dump());

  fs::path root = app();
  write_packages(root, "packages:\n  - package: acme/pkg_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n");
  ProcessResult r = deps(root, server.url());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "pkg_utils: acme/pkg_utils 1.1.0")) << r.out;
  std::string lock = read_file(root / "package-lock.yml");
  EXPECT_TRUE(contains(lock, "package: acme/pkg_utils\n    version: 1.1.0")) << lock;
  EXPECT_TRUE(contains(lock, "sha1_hash: ")) << lock;
  r = run_pond({"compile", "--inline", "select {{ pkg_utils.hub_version() }}"}, root);
  EXPECT_TRUE(contains(r.out, "'1.1.0'")) << r.out << r.err;
  r = run_pond({"build"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  expect_failure(root, "packages:\n  - package: acme/nothing\n    version: 1.0.0\n",
                 "package 'acme/nothing' was not found on the package hub", server.url());
  expect_failure(root, "packages:\n  - package: acme/pkg_utils\n    version: \">=3.0.0\"\n",
                 "no version of acme/pkg_utils matches [\">=3.0.0\"]", server.url());
  EXPECT_TRUE(contains(read_file(root / "dbt_packages/pkg_utils/macros/version.sql"), "1.1.0"));
}

}  // namespace pond::test
