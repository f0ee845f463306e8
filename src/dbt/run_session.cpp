#include "dbt/run_session.hpp"

#include "common/build_info.hpp"
#include "common/error.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "project/manifest_json.hpp"

namespace pond::dbt {

namespace {

using project::ResourceType;

bool needs_compile(const project::Node& n) {
  return n.resource_type == ResourceType::kModel || n.resource_type == ResourceType::kSnapshot ||
         n.resource_type == ResourceType::kTest;
}

// Compiles all at once; when that fails, node by node so that one bad node fails alone.
std::vector<std::pair<std::string, std::string>> compile_all(LoadedProject& p,
                                                             const std::vector<std::size_t>& nodes) {
  std::vector<std::pair<std::string, std::string>> errors;
  try {
    p.compiler->compile_nodes(nodes);
    return errors;
  } catch (const UserError&) {
  }
  for (std::size_t i : nodes) {
    if (p.manifest.nodes[i].compiled) continue;
    try {
      p.compiler->compile_nodes({i});
    } catch (const UserError& e) {
      errors.emplace_back(p.manifest.nodes[i].unique_id, e.what());
    }
  }
  return errors;
}

}  // namespace

RunSession::RunSession(const GlobalOptions& options, const SessionOptions& session) {
  ResolvedProject resolved = resolve_project(options);
  db_ = std::make_unique<engine::Database>(open_target_database(resolved.target));
  hook_con_ = std::make_unique<engine::Connection>(*db_);
  hooks_ = std::make_unique<DatabaseHooks>(*hook_con_, session.full_refresh);
  if (resolved.target.lake) {
    lake_ = std::make_unique<materialize::LakeTarget>(lake_config(resolved.target), resolved.target.database);
    lake_->load_kinds();
    hooks_->set_lake(lake_.get());
    lake_backend_ = std::make_unique<materialize::LakeBackend>(*lake_);
  }
  project_ =
      load_project(options, session.vars, session.which, hooks_.get(), session.full_refresh, session.empty);
  run_options_.full_refresh = session.full_refresh;
  run_options_.cache = &cache_;
  run_options_.empty = session.empty;
}

RunSession::~RunSession() = default;

std::filesystem::path RunSession::target_dir() const {
  return project_->manifest.project.root / project_->manifest.project.target_path;
}

RunPlan RunSession::plan(const std::vector<std::size_t>& selected, PlanKinds kinds,
                         const std::map<std::string, std::vector<materialize::BatchWindow>>* retry_batches) {
  LoadedProject& p = *project_;
  std::vector<std::size_t> to_compile;
  for (std::size_t i : selected) {
    const project::Node& n = p.manifest.nodes[i];
    bool kind_ok = (n.resource_type == ResourceType::kModel && kinds.models) ||
                   (n.resource_type == ResourceType::kSnapshot && kinds.snapshots) ||
                   (n.resource_type == ResourceType::kTest && kinds.tests);
    if (kind_ok && needs_compile(n)) to_compile.push_back(i);
  }
  auto compile_errors = compile_all(p, to_compile);
  std::vector<std::size_t> compiled;
  for (std::size_t i : to_compile)
    if (p.manifest.nodes[i].compiled) compiled.push_back(i);
  compile::write_compiled(p.manifest, compiled, target_dir());
  project::write_manifest(p.manifest, *p.graph,
                          project::ArtifactInfo{p.invocation_id, p.started_at, std::string(pond_version())},
                          target_dir());

  cache_.load(*hook_con_);
  PlanInput input{p.manifest,     *p.graph,
                  selected,       kinds,
                  run_options_,   &cache_,
                  compile_errors, [&p](const std::string& sql) { return p.compiler->compile_inline(sql); }};
  input.render_batch = [&p](std::size_t node, const materialize::BatchWindow& w, const std::string& id) {
    return p.compiler->compile_batch(node, w.start, w.end, id);
  };
  input.database = &database_backend_;
  input.lake = lake_backend_.get();
  input.retry_batches = retry_batches;
  return make_run_plan(input);
}

}  // namespace pond::dbt
