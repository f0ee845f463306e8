// `pond clean`: deletes the folders of dbt_project.yml's clean-targets, as dbt clean does:
// never a source path (models, seeds, tests, ...), never a path outside the project unless
// --no-clean-project-files-only, and nothing at all when one target is refused.
#include <filesystem>
#include <ostream>
#include <set>

#include "common/error.hpp"
#include "dbt/target.hpp"
#include "dbt/tasks.hpp"

namespace pond::dbt {

namespace fs = std::filesystem;

namespace {

fs::path resolved(const fs::path& root, const std::string& p) {
  return fs::weakly_canonical(fs::path(p).is_absolute() ? fs::path(p) : root / p);
}

bool inside(const fs::path& root, const fs::path& p) {
  auto rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != ".." && rel != ".";
}

std::string listing(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

int clean_task(TaskContext& ctx, const CleanOptions& options, std::ostream& out) {
  project::ProjectFile project = load_project_file(ctx.options);
  const fs::path root = fs::weakly_canonical(project.root);
  std::vector<std::string> targets = project.clean_targets;
  if (targets.empty()) targets.push_back(project.target_path);

  std::set<fs::path> protected_paths{root};
  for (const auto* group :
       {&project.model_paths, &project.seed_paths, &project.snapshot_paths, &project.test_paths,
        &project.macro_paths, &project.analysis_paths, &project.docs_paths})
    for (const auto& p : *group) protected_paths.insert(resolved(root, p));

  std::vector<std::string> refused_source, refused_outside;
  for (const auto& t : targets) {
    fs::path p = resolved(root, t);
    if (protected_paths.count(p)) {
      refused_source.push_back(t);
    } else if (!inside(root, p) && options.project_files_only) {
      refused_outside.push_back(t);
    }
  }
  if (!refused_source.empty())
    throw UserError("pond will not clean the following source paths: " + listing(refused_source),
                    "remove them from clean-targets in dbt_project.yml");
  if (!refused_outside.empty())
    throw UserError(
        "pond will not clean the following directories outside the project: " + listing(refused_outside),
        "pass --no-clean-project-files-only to delete them anyway");
  for (const auto& t : targets) {
    out << "Checking " << t << "/*\n";
    std::error_code ec;
    fs::remove_all(resolved(root, t), ec);
    if (ec) throw UserError("could not delete " + t + ": " + ec.message());
    out << "Cleaned " << t << "/*\n";
  }
  out << "Finished cleaning all paths.\n";
  return 0;
}

}  // namespace pond::dbt
