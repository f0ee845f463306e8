#include "dbt/project.hpp"

#include <map>

#include "common/build_info.hpp"
#include "compile/config_render.hpp"
#include "project/manifest_json.hpp"
#include "project/phase_clock.hpp"
#include "project/vars.hpp"

namespace pond::dbt {

std::unique_ptr<LoadedProject> load_project(const GlobalOptions& options, const std::string& vars_text,
                                            const std::string& which, compile::ExecutionHooks* hooks,
                                            const RunFlags& flags) {
  project::PhaseClock clock("load");
  auto lap = [&](const char* phase) { clock.lap(phase); };
  auto out = std::make_unique<LoadedProject>();
  out->resolved = resolve_project(options);
  lap("profile");
  const project::TargetConfig& t = out->resolved.target;
  project::LoadOptions lo;
  lo.target.name = t.target_name;
  lo.target.profile_name = t.profile_name;
  lo.target.type = t.type;
  lo.target.database = t.database;
  lo.target.schema = t.schema;
  lo.target.threads = t.threads;
  lo.target.path = t.path;
  lo.target.extra = t.extra;
  lo.cli_vars = project::parse_cli_vars(vars_text);
  lo.check_cycles = false;  // checked below, on the graph built once
  compile::ConfigRenderer renderer(&lo.target, lo.cli_vars);
  lo.render_config = [&renderer](nlohmann::json& tree, const std::string& where) {
    renderer.render_tree(tree, where);
  };
  out->manifest = project::load_manifest(out->resolved.project, lo);
  lap("manifest");
  project::ArtifactInfo info = project::new_artifact_info(std::string(pond_version()));
  if (!options.invocation_id.empty()) info.invocation_id = options.invocation_id;
  out->invocation_id = info.invocation_id;
  out->started_at = info.generated_at;
  compile::CompileOptions co;
  co.invocation_id = info.invocation_id;
  co.run_started_at = info.generated_at;
  co.which = which;
  co.threads = 2;
  co.hooks = hooks;
  co.full_refresh = flags.full_refresh;
  co.empty = flags.empty;
  co.store_failures = flags.store_failures;
  co.fail_fast = flags.fail_fast;
  out->compiler = std::make_unique<compile::Compiler>(out->manifest, co);
  lap("jinja environment");
  out->compiler->render_for_parse();
  lap("render for parse");
  out->graph = std::make_unique<project::Graph>(out->manifest);
  project::check_acyclic(out->manifest, *out->graph);
  lap("graph");
  return out;
}

void leave_for_exit(std::unique_ptr<LoadedProject> project) {
#if defined(__SANITIZE_ADDRESS__)
  project.reset();
#else
  static_cast<void>(project.release());  // deliberately not freed: see the header
#endif
}

std::vector<std::size_t> select(const LoadedProject& p, const SelectionFlags& flags) {
  auto selectors = project::load_selectors(p.manifest.project.root);
  std::optional<project::PreviousState> state;
  if (flags.state) {
    std::filesystem::path dir = *flags.state;
    if (dir.is_relative()) dir = std::filesystem::current_path() / dir;
    state = project::PreviousState::load(dir);
  }
  project::SelectionContext ctx{p.manifest, *p.graph, &selectors, state ? &*state : nullptr};
  project::SelectionRequest req{flags.select,
                                flags.exclude,
                                flags.selector,
                                flags.resource_types,
                                flags.indirect_selection,
                                flags.exclude_resource_types};
  return project::select_nodes(ctx, req);
}

std::string summary(const project::Manifest& m) {
  std::map<project::ResourceType, int> counts;
  for (const auto& n : m.nodes) counts[n.resource_type]++;
  auto part = [&](project::ResourceType t, const char* one, const char* many) -> std::string {
    int c = counts[t];
    if (c == 0) return "";
    return std::to_string(c) + " " + (c == 1 ? one : many) + ", ";
  };
  std::string s = part(project::ResourceType::kModel, "model", "models") +
                  part(project::ResourceType::kSnapshot, "snapshot", "snapshots") +
                  part(project::ResourceType::kAnalysis, "analysis", "analyses") +
                  part(project::ResourceType::kSeed, "seed", "seeds") +
                  part(project::ResourceType::kTest, "data test", "data tests") +
                  part(project::ResourceType::kSource, "source", "sources") +
                  part(project::ResourceType::kExposure, "exposure", "exposures") +
                  part(project::ResourceType::kSemanticModel, "semantic model", "semantic models") +
                  part(project::ResourceType::kMetric, "metric", "metrics") +
                  part(project::ResourceType::kSavedQuery, "saved query", "saved queries") +
                  part(project::ResourceType::kUnitTest, "unit test", "unit tests");
  if (std::size_t g = m.groups.size()) s += std::to_string(g) + (g == 1 ? " group, " : " groups, ");
  s += std::to_string(m.macros.size()) + (m.macros.size() == 1 ? " macro" : " macros");
  return "Found " + s;
}

}  // namespace pond::dbt
