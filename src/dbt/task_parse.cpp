// `pond parse`: reads and validates the whole project, writes target/manifest.json.
#include <chrono>
#include <iostream>

#include "common/build_info.hpp"
#include "common/log.hpp"
#include "dbt/project.hpp"
#include "dbt/tasks.hpp"
#include "project/manifest_json.hpp"
#include "project/phase_clock.hpp"

namespace pond::dbt {

int parse_task(TaskContext& ctx, const ParseOptions& options, std::ostream& out) {
  auto start = std::chrono::steady_clock::now();
  auto p = load_project(ctx.options, options.vars, "parse");
  project::PhaseClock clock("parse");
  std::filesystem::path target_dir = p->manifest.project.root / p->manifest.project.target_path;
  project::write_manifest(p->manifest, *p->graph,
                          project::ArtifactInfo{p->invocation_id, p->started_at, std::string(pond_version())},
                          target_dir);
  clock.lap("write manifest.json");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log::info("{}", summary(p->manifest));
  out << "Parsed " << p->manifest.project.name << " in " << std::fixed;
  out.precision(2);
  out << secs << "s; wrote " << (target_dir / "manifest.json").string() << "\n";
  leave_for_exit(std::move(p));
  return 0;
}

}  // namespace pond::dbt
