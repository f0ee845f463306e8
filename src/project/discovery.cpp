#include "project/discovery.hpp"

#include <algorithm>
#include <unordered_set>

namespace pond::project {

namespace fs = std::filesystem;

namespace {

struct Walker {
  const ProjectFile& project;
  std::vector<ProjectSourceFile>& out;
  std::unordered_set<std::string> seen;

  void walk(std::string folder, FileKind sql_kind) {
    while (!folder.empty() && folder.back() == '/') folder.pop_back();
    fs::path base = project.root / folder;
    std::string root_prefix = project.root.generic_string();
    if (root_prefix.empty() || root_prefix.back() != '/') root_prefix += '/';
    std::error_code ec;
    if (!fs::is_directory(base, ec)) return;
    fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec), end;
    for (; it != end; it.increment(ec)) {
      if (ec) break;
      const fs::path& p = it->path();
      std::string fname = p.filename().string();
      if (!fname.empty() && fname[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      std::string ext = p.extension().string();
      // Plain prefix stripping: fs::relative canonicalises (a readlink per path component).
      std::string full = p.generic_string();
      std::string rel = full.substr(root_prefix.size());
      std::string in_folder = rel.substr(folder.size() + 1);
      FileKind kind;
      if (sql_kind == FileKind::kDocs) {
        if (ext != ".md") continue;
        kind = FileKind::kDocs;
      } else if (ext == ".yml" || ext == ".yaml") {
        kind = FileKind::kSchema;
      } else if (ext == ".md") {
        kind = FileKind::kDocs;
      } else if (sql_kind == FileKind::kSeed) {
        if (ext != ".csv") continue;
        kind = FileKind::kSeed;
      } else if (ext == ".sql") {
        kind = sql_kind;
        // Generic tests ({% test %} blocks) live in <test-path>/generic/ and are macros.
        if (sql_kind == FileKind::kSingularTest && in_folder.rfind("generic/", 0) == 0)
          kind = FileKind::kMacro;
        // <test-path>/fixtures/ holds unit-test fixture files, not tests (as dbt skips it).
        if (sql_kind == FileKind::kSingularTest && in_folder.rfind("fixtures/", 0) == 0) continue;
      } else if (ext == ".py" && sql_kind == FileKind::kModel) {
        // A node of the graph (others may ref it); running it is a per-node error (plan).
        kind = FileKind::kPythonModel;
      } else {
        continue;
      }
      if (!seen.insert(rel + "#" + std::to_string(static_cast<int>(kind))).second) continue;
      out.push_back(ProjectSourceFile{kind, rel, in_folder, p});
    }
  }
};

}  // namespace

std::vector<ProjectSourceFile> discover_files(const ProjectFile& project) {
  std::vector<ProjectSourceFile> out;
  Walker w{project, out, {}};
  for (const auto& p : project.model_paths) w.walk(p, FileKind::kModel);
  for (const auto& p : project.seed_paths) w.walk(p, FileKind::kSeed);
  for (const auto& p : project.snapshot_paths) w.walk(p, FileKind::kSnapshot);
  for (const auto& p : project.test_paths) w.walk(p, FileKind::kSingularTest);
  for (const auto& p : project.macro_paths) w.walk(p, FileKind::kMacro);
  for (const auto& p : project.analysis_paths) w.walk(p, FileKind::kAnalysis);
  for (const auto& p : project.docs_paths) w.walk(p, FileKind::kDocs);
  std::sort(out.begin(), out.end(), [](const ProjectSourceFile& a, const ProjectSourceFile& b) {
    return a.original_file_path < b.original_file_path;
  });
  // A docs-path that overlaps another path would list .md files twice.
  out.erase(std::unique(out.begin(), out.end(),
                        [](const ProjectSourceFile& a, const ProjectSourceFile& b) {
                          return a.original_file_path == b.original_file_path && a.kind == b.kind;
                        }),
            out.end());
  return out;
}

}  // namespace pond::project
