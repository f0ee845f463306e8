#pragma once
// Turns the selected nodes of a parsed project into the executor's steps (`pond run/build/
// seed/test/snapshot`): configs become materialize specs, depends_on becomes step
// dependencies. docs/materialize.md ("Running a project") describes the choices.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compile/compiler.hpp"
#include "lake_target/lake_target.hpp"
#include "materialize/relation_cache.hpp"
#include "materialize/spec.hpp"
#include "orchestrate/step.hpp"
#include "project/graph.hpp"
#include "project/manifest.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::cli {

// Answers the compiler's execution-time questions (is_incremental(), adapter.get_relation,
// get_columns_in_relation, run_query) from the target database as it is before the run. The
// compiler renders in parallel, so calls are serialized on one connection.
class DatabaseHooks : public compile::ExecutionHooks {
 public:
  DatabaseHooks(engine::Connection& con, bool full_refresh) : con_(con), full_refresh_(full_refresh) {}
  bool is_incremental(const project::Node& node) override;
  std::optional<std::string> relation_type(const std::string& database, const std::string& schema,
                                           const std::string& identifier) override;
  std::vector<compile::ColumnInfo> columns(const std::string& database, const std::string& schema,
                                           const std::string& identifier) override;
  compile::QueryResult run_query(const std::string& sql) override;
  // A lake target's tables are views in DuckDB; the lake says which are tables.
  void set_lake(const lake_target::LakeTarget* lake) { lake_ = lake; }

 private:
  std::optional<std::string> relation_type_locked(const std::string& database, const std::string& schema,
                                                  const std::string& identifier);
  engine::Connection& con_;
  bool full_refresh_;
  std::mutex mutex_;
  const lake_target::LakeTarget* lake_ = nullptr;
};

// Which node types a command runs.
struct PlanKinds {
  bool models = false;
  bool seeds = false;
  bool snapshots = false;
  bool tests = false;
};

// The steps of one invocation; owns them. `options` is referenced by the steps.
struct RunPlan {
  std::vector<std::unique_ptr<orchestrate::Step>> owned;
  std::vector<orchestrate::Step*> steps;
  std::vector<std::unique_ptr<orchestrate::Step>> owned_hooks;
  std::vector<orchestrate::Step*> on_run_start;
  std::vector<orchestrate::Step*> on_run_end;
};

// `selected`: node indexes (any type; those not in `kinds` are dropped). Nodes must be
// compiled already; `compile_errors` maps unique_id -> message for those that failed to compile
// (they become failing steps so that their descendants are skipped, as dbt does).
// `render` renders a hook's Jinja in the project's context.
struct PlanInput {
  const project::Manifest& manifest;
  const project::Graph& graph;
  std::vector<std::size_t> selected;
  PlanKinds kinds;
  const materialize::RunOptions& options;
  materialize::RelationCache* cache = nullptr;
  std::vector<std::pair<std::string, std::string>> compile_errors;
  std::function<std::string(const std::string&)> render;
  lake_target::LakeTarget* lake = nullptr;  // the target's lake: models, seeds, snapshots go there
  // Renders one batch of a microbatch model (node index, window); see Compiler::compile_batch.
  std::function<std::string(std::size_t, const materialize::BatchWindow&, const std::string&)> render_batch;
  // pond retry after a partial success: the failed batches of each microbatch model (unique id).
  const std::map<std::string, std::vector<materialize::BatchWindow>>* retry_batches = nullptr;
};

RunPlan make_run_plan(const PlanInput& input);

}  // namespace pond::cli
