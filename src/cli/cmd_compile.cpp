// `pond compile`: renders the selected nodes to SQL under target/compiled/ and updates
// target/manifest.json; prints the SQL when one node (or --inline SQL) is compiled.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/project_loader.hpp"
#include "common/build_info.hpp"
#include "common/log.hpp"
#include "project/manifest_json.hpp"

namespace pond::cli {

int run_compile(CommandContext& ctx, const CompileOptions& options) {
  auto p = load_project(ctx.options, options.vars, "compile");
  if (options.inline_sql) {
    std::cout << p->compiler->compile_inline(*options.inline_sql) << "\n";
    return 0;
  }
  std::vector<std::size_t> selected = select(*p, options.selection);
  p->compiler->compile_nodes(selected);
  std::filesystem::path target_dir = p->manifest.project.root / p->manifest.project.target_path;
  compile::write_compiled(p->manifest, selected, target_dir);
  project::write_manifest(p->manifest, *p->graph,
                          project::ArtifactInfo{p->invocation_id, p->started_at, std::string(pond_version())},
                          target_dir);
  std::size_t compiled = 0;
  for (std::size_t i : selected) compiled += p->manifest.nodes[i].compiled ? 1 : 0;
  log::info("{}", summary(p->manifest));
  log::info("Compiled {} nodes into {}", compiled, (target_dir / "compiled").string());
  // As dbt: print the nodes the first --select value names (tests selected along are not).
  if (!options.selection.select.empty()) {
    const std::string& asked = options.selection.select.front();
    for (std::size_t i : selected) {
      const project::Node& n = p->manifest.nodes[i];
      if (!n.compiled || asked.find(n.name) == std::string::npos) continue;
      log::info("Compiled node '{}' is:", n.name);
      std::cout << n.compiled_code << "\n";
    }
  }
  return 0;
}

}  // namespace pond::cli
