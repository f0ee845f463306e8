#include "dbt/run_session.hpp"

#include <filesystem>
#include <optional>
#include <set>

#include "common/build_info.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "ingest/delta_log.hpp"
#include "ingest/delta_scan.hpp"
#include "project/manifest_json.hpp"
#include "project/relation.hpp"

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
      load_project(options, session.vars, session.which, hooks_.get(),
                   RunFlags{session.full_refresh, session.empty, session.store_failures, session.fail_fast});
  expose_delta_sources();
  run_options_.full_refresh = session.full_refresh;
  run_options_.cache = &cache_;
  run_options_.empty = session.empty;
  run_options_.store_failures = session.store_failures;
}

RunSession::~RunSession() = default;

// A source read with delta_scan('PATH') (DuckDB's delta extension, as dbt-duckdb projects write
// it) is the Delta table at PATH as pond's own reader sees it at the run's start: log replay,
// deletion vectors, column mapping, partition values. A table that cannot be read becomes a view
// that fails with the reason when a model reads it, so a run that does not read it goes on.
void RunSession::expose_delta_sources() {
  const std::filesystem::path& root = project_->manifest.project.root;
  for (const auto& n : project_->manifest.nodes) {
    std::optional<std::string> path = project::delta_scan_path(n);
    if (!path) continue;
    const std::string view = project::delta_source_view(n);
    const std::string who = "source '" + n.source_name + "." + n.name + "'";
    hook_con_->execute("CREATE SCHEMA IF NOT EXISTS pond_delta");
    std::string body;
    try {
      std::filesystem::path table =
          std::filesystem::path(*path).is_absolute() ? std::filesystem::path(*path) : root / *path;
      ingest::DeltaSnapshot snap = ingest::read_delta_snapshot(*hook_con_, table, std::nullopt, who);
      ingest::check_delta_protocol(snap, who);
      auto scan = std::make_unique<ingest::DeltaScan>(*hook_con_, snap, snap.files, who, "pond_delta");
      body = scan->sql(false);
      delta_sources_.push_back(std::move(scan));
    } catch (const UserError& e) {
      // The reader's hints name pond.yml's ingest keys; here the path is the source's.
      body = "SELECT error(" +
             quote_literal(e.message() + " (the source's external_location is delta_scan('" + *path + "'))") +
             ")";
    }
    hook_con_->execute("CREATE OR REPLACE VIEW " + view + " AS " + body);
  }
}

std::filesystem::path RunSession::target_dir() const {
  return project_->manifest.project.root / project_->manifest.project.target_path;
}

void RunSession::set_run_results(const exec::RunOutcome& outcome) {
  std::lock_guard lock(compile_mutex_);
  run_results_.clear();
  for (const auto& r : outcome.results) {
    compile::RunHookResult h;
    h.unique_id = r.info->id;
    h.status = exec::status_name(r.outcome.status);
    h.message = r.outcome.message;
    h.execution_time = r.execution_time;
    h.thread = r.thread;
    h.failures = r.outcome.failures;
    h.rows_affected = r.outcome.rows;
    run_results_.push_back(std::move(h));
  }
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
  // A unit test renders its model at run time; the ephemeral models it reads must be compiled.
  if (kinds.tests) {
    std::set<std::size_t> seen(to_compile.begin(), to_compile.end()),
        selected_set(selected.begin(), selected.end());
    std::vector<std::size_t> pending;
    for (const auto& ut : p.manifest.unit_tests) {
      auto mi = p.manifest.index_of(ut.model_unique_id);
      auto ui = p.manifest.index_of(ut.unique_id);
      if (mi && ui && selected_set.count(*ui)) pending.push_back(*mi);
    }
    while (!pending.empty()) {
      const project::Node& n = p.manifest.nodes[pending.back()];
      pending.pop_back();
      for (const auto& d : n.depends_on_nodes) {
        auto di = p.manifest.index_of(d);
        if (!di || p.manifest.nodes[*di].materialized() != "ephemeral" || !seen.insert(*di).second) continue;
        to_compile.push_back(*di);
        pending.push_back(*di);
      }
    }
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
  // Nodes compile again right before they run (their ephemeral models' SQL with them), one at a
  // time: compile_nodes updates the manifest. Batches and unit tests read those nodes' SQL.
  std::filesystem::path target = target_dir();
  input.compile_now = [this, &p, target](std::size_t node) {
    std::lock_guard lock(compile_mutex_);
    p.compiler->compile_nodes({node});
    compile::write_compiled(p.manifest, {node}, target);
    return p.manifest.nodes[node].compiled_code;
  };
  input.render_batch = [this, &p](std::size_t node, const materialize::BatchWindow& w,
                                  const std::string& id) {
    std::lock_guard lock(compile_mutex_);
    return p.compiler->compile_batch(node, w.start, w.end, id);
  };
  input.compile_unit_test = [this, &p](std::size_t node, const compile::UnitTestRender& test) {
    std::lock_guard lock(compile_mutex_);
    return p.compiler->compile_unit_test(node, test);
  };
  input.render_hook = [this, &p](std::size_t node, const std::string& sql, engine::Connection& con) {
    DatabaseHooks::Redirect on_step(*hooks_, con);
    return p.compiler->render_hook(node, sql);
  };
  input.render_run_hook = [this, &p](const std::string& sql, const std::string& where, bool on_run_end,
                                     engine::Connection& con) {
    std::lock_guard lock(compile_mutex_);
    DatabaseHooks::Redirect on_step(*hooks_, con);
    return p.compiler->render_run_hook(sql, where, on_run_end ? &run_results_ : nullptr);
  };
  input.database = &database_backend_;
  input.lake = lake_backend_.get();
  input.retry_batches = retry_batches;
  return make_run_plan(input);
}

}  // namespace pond::dbt
