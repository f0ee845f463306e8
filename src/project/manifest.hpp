#pragma once
// The parsed project: every node, source, exposure and macro, with refs resolved to unique_ids.
// This is the stable API the compiler and the executor build on: nodes are addressed by
// index (`Manifest::nodes`) or unique_id (`find`); `Graph` (graph.hpp) adds the edges.
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "project/node.hpp"
#include "project/project_file.hpp"
#include "project/semantic_layer.hpp"
#include "project/unit_test.hpp"

namespace pond::project {

// The target a manifest was parsed for (relation names depend on it).
struct TargetInfo {
  std::string name = "dev";
  std::string profile_name;
  std::string type = "duckdb";
  std::string database = "memory";
  std::string schema = "main";
  int threads = 1;
  std::string path;                          // the profile's `path:` as written
  std::map<std::string, std::string> extra;  // the output's other keys (external_root, ...)
};

struct Manifest {
  ProjectFile project;
  std::vector<ProjectFile> packages;  // installed packages (dbt_packages/), sorted by name
  TargetInfo target;
  std::vector<Node> nodes;     // enabled graph members, sorted by unique_id
  std::vector<Node> disabled;  // enabled: false (kept for error messages and the manifest)
  std::vector<Macro> macros;   // sorted by unique_id
  std::vector<DocBlock> docs;
  std::vector<UnitTest> unit_tests;  // enabled unit tests of enabled models, sorted by unique_id
  std::vector<Group> groups;         // `groups:` of the project and its packages, sorted by unique_id
  nlohmann::json vars = nlohmann::json::object();  // --vars given on the command line
  std::vector<std::string> warnings;               // non-fatal findings, already logged

  const Node* find(std::string_view unique_id) const;
  std::optional<std::size_t> index_of(std::string_view unique_id) const;
  const Macro* find_macro(std::string_view unique_id) const;
  // ref('name') / ref('package', 'name') as dbt resolves it (current package first).
  const Node* resolve_ref(const std::string& package, const std::string& name,
                          const std::string& from_package) const;
  const Node* resolve_source(const std::string& source, const std::string& table) const;

  // The dbt_project.yml of a package (the root project's for its own name); null when unknown.
  const ProjectFile* package_file(std::string_view package) const;
  // The folder a node's original_file_path is relative to (its package's root).
  std::filesystem::path root_of(std::string_view package) const;
  // How errors name a file: original_file_path, under <packages-install-path>/<package>/ for
  // a package's files (original_file_path alone is relative to the package, as in dbt).
  std::string display_path(std::string_view package, const std::string& original_file_path) const;

  void rebuild_index();  // after nodes/macros were added or reordered
  // Adds graph members to `nodes` in unique_id order (and rebuilds the index).
  void add_nodes(std::vector<Node> more);

 private:
  std::unordered_map<std::string_view, std::size_t> by_id_;
  std::unordered_map<std::string_view, std::size_t> macro_by_id_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_ref_name_;
  std::unordered_map<std::string, std::size_t> by_source_;  // "source\ttable"
};

// What to parse and how.
struct LoadOptions {
  TargetInfo target;
  nlohmann::json cli_vars = nlohmann::json::object();
  int threads = 2;  // files are read and scanned in parallel
  // False: the caller checks the graph for cycles itself (once, on the graph it builds anyway).
  bool check_cycles = true;
  // Renders the Jinja in a project's (and each package's) dbt_project.yml config trees before
  // they apply (tree, "dbt_project.yml: models"); none leaves them as written.
  std::function<void(nlohmann::json& tree, const std::string& where)> render_config;
};

// Reads the whole project below `project.root`: discovers files, parses SQL/YAML, resolves
// configs, generates tests, resolves refs and sources and checks the graph for cycles
// (unless options.check_cycles is false).
// Throws UserError (file:line:col + hint) on the first error.
Manifest load_manifest(const ProjectFile& project, const LoadOptions& options);

}  // namespace pond::project
