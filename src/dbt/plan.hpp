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
#include "exec/step.hpp"
#include "materialize/backend.hpp"
#include "materialize/lake_target.hpp"
#include "materialize/relation_cache.hpp"
#include "materialize/spec.hpp"
#include "project/graph.hpp"
#include "project/manifest.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::dbt {

// Which node types a command runs.
struct PlanKinds {
  bool models = false;
  bool seeds = false;
  bool snapshots = false;
  bool tests = false;
};

// The steps of one invocation; owns them. `options` is referenced by the steps.
struct RunPlan {
  std::vector<std::unique_ptr<exec::Step>> owned;
  std::vector<exec::Step*> steps;
  std::vector<std::unique_ptr<exec::Step>> owned_hooks;
  std::vector<exec::Step*> on_run_start;
  std::vector<exec::Step*> on_run_end;
};

// `selected`: node indexes (any type; those not in `kinds` are dropped). Nodes must be
// compiled already; `compile_errors` maps unique_id -> message for those that failed to compile
// (they become failing steps so that their descendants are skipped, as dbt does).
// `render` renders an on-run-start/end hook's Jinja in the project's context.
struct PlanInput {
  const project::Manifest& manifest;
  const project::Graph& graph;
  std::vector<std::size_t> selected;
  PlanKinds kinds;
  const materialize::RunOptions& options;
  materialize::RelationCache* cache = nullptr;
  std::vector<std::pair<std::string, std::string>> compile_errors;
  std::function<std::string(const std::string&)> render;
  // Compiles a node (index) right before it runs; when set, nodes that may read the database
  // while compiling, and those that did not compile before the run, compile then.
  std::function<std::string(std::size_t)> compile_now;
  // Renders a model (node index) for one of its unit tests (Compiler::compile_unit_test).
  std::function<std::string(std::size_t, const compile::UnitTestRender&)> compile_unit_test;
  // Renders a node's pre-hook/post-hook (node index, Jinja) on the connection that runs it.
  std::function<std::string(std::size_t, const std::string&, engine::Connection&)> render_hook;
  // Renders an on-run-start/on-run-end hook (Jinja, where, is it on-run-end) when it runs.
  std::function<std::string(const std::string&, const std::string&, bool, engine::Connection&)>
      render_run_hook;
  // Where nodes are built: the target's DuckDB database, and its lake when it has one (models,
  // seeds and snapshots whose relation the lake holds go there).
  materialize::Backend* database = nullptr;
  materialize::Backend* lake = nullptr;
  // Renders one batch of a microbatch model (node index, window); see Compiler::compile_batch.
  std::function<std::string(std::size_t, const materialize::BatchWindow&, const std::string&)> render_batch;
  // pond retry after a partial success: the failed batches of each microbatch model (unique id).
  const std::map<std::string, std::vector<materialize::BatchWindow>>* retry_batches = nullptr;
};

RunPlan make_run_plan(const PlanInput& input);

}  // namespace pond::dbt
