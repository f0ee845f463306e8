// `pond compile`: renders the selected nodes to SQL under target/compiled/ and updates
// target/manifest.json; prints the SQL when one node (or --inline SQL) is compiled.
#include <iostream>
#include <memory>
#include <mutex>

#include "common/build_info.hpp"
#include "common/log.hpp"
#include "dbt/database_hooks.hpp"
#include "dbt/plan.hpp"
#include "dbt/project.hpp"
#include "dbt/tasks.hpp"
#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "project/manifest_json.hpp"
#include "project/phase_clock.hpp"

namespace pond::dbt {

namespace {

// dbt compile connects to the target: run_query(), statement blocks, is_incremental() and
// adapter.get_relation answer from the database. The database is opened at the first such
// question, so compiling a project that asks none never touches (or creates) the file.
class LazyDatabaseHooks final : public compile::ExecutionHooks {
 public:
  explicit LazyDatabaseHooks(project::TargetConfig target) : target_(std::move(target)) {}
  bool is_incremental(const project::Node& node) override {
    if (node.materialized() != "incremental") return false;
    return hooks().is_incremental(node);
  }
  std::optional<std::string> relation_type(const std::string& database, const std::string& schema,
                                           const std::string& identifier) override {
    return hooks().relation_type(database, schema, identifier);
  }
  std::vector<compile::ColumnInfo> columns(const std::string& database, const std::string& schema,
                                           const std::string& identifier) override {
    return hooks().columns(database, schema, identifier);
  }
  compile::QueryResult run_query(const std::string& sql) override { return hooks().run_query(sql); }

 private:
  DatabaseHooks& hooks() {
    std::lock_guard lock(mutex_);
    if (!hooks_) {
      db_ = std::make_unique<engine::Database>(open_target_database(target_));
      con_ = std::make_unique<engine::Connection>(*db_);
      hooks_ = std::make_unique<DatabaseHooks>(*con_, false);
    }
    return *hooks_;
  }
  project::TargetConfig target_;
  std::mutex mutex_;
  std::unique_ptr<engine::Database> db_;
  std::unique_ptr<engine::Connection> con_;
  std::unique_ptr<DatabaseHooks> hooks_;
};

}  // namespace

int compile_task(TaskContext& ctx, const CompileOptions& options, std::ostream& out) {
  LazyDatabaseHooks hooks(resolve_project(ctx.options).target);
  auto p = load_project(ctx.options, options.vars, "compile", &hooks);
  if (options.inline_sql) {
    out << p->compiler->compile_inline(*options.inline_sql) << "\n";
    return 0;
  }
  project::PhaseClock clock("compile");
  std::vector<std::size_t> selected = select(*p, options.selection);
  clock.lap("select");
  p->compiler->compile_nodes(selected);
  clock.lap("render");
  std::filesystem::path target_dir = p->manifest.project.root / p->manifest.project.target_path;
  compile::write_compiled(p->manifest, selected, target_dir);
  clock.lap("write compiled files");
  project::write_manifest(p->manifest, *p->graph,
                          project::ArtifactInfo{p->invocation_id, p->started_at, std::string(pond_version())},
                          target_dir);
  clock.lap("write manifest");
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
      out << n.compiled_code << "\n";
    }
  }
  return 0;
}

}  // namespace pond::dbt
