#pragma once
// A dbt project opened against its target for one run: the target's DuckDB database (and its
// lake), the project loaded with the run's vars, the compiler's execution hooks and the
// relation cache. `pond run/build/...` plan their selection from it; the orchestrator plans the
// dbt nodes of an asset run from it and adds steps of its own to the same executor.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dbt/database_hooks.hpp"
#include "dbt/options.hpp"
#include "dbt/plan.hpp"
#include "dbt/project.hpp"
#include "exec/executor.hpp"
#include "materialize/backend.hpp"
#include "materialize/lake_backend.hpp"
#include "materialize/lake_target.hpp"
#include "materialize/relation_cache.hpp"
#include "materialize/spec.hpp"

namespace pond::engine {
class Connection;
class Database;
}  // namespace pond::engine

namespace pond::ingest {
class DeltaScan;
}

namespace pond::dbt {

struct SessionOptions {
  std::string vars;  // --vars YAML/JSON
  std::string which = "run";
  bool full_refresh = false;
  bool empty = false;
  bool store_failures = false;  // --store-failures
  bool fail_fast = false;
};

// Not copied or moved: plans and steps refer into it.
class RunSession {
 public:
  RunSession(const GlobalOptions& options, const SessionOptions& session);
  ~RunSession();
  RunSession(const RunSession&) = delete;
  RunSession& operator=(const RunSession&) = delete;

  LoadedProject& project() { return *project_; }
  const ResolvedProject& resolved() const { return project_->resolved; }
  engine::Database& database() { return *db_; }
  // The target's lake, or null when the target has none.
  materialize::LakeTarget* lake() { return lake_.get(); }
  // The options the planned steps read (they keep a reference): set before plan().
  materialize::RunOptions& run_options() { return run_options_; }
  std::filesystem::path target_dir() const;
  // What on-run-end hooks see as `results`: the steps of the run so far (call before they run).
  void set_run_results(const exec::RunOutcome& outcome);

  // Compiles the chosen nodes of `kinds` (a node that fails to compile becomes a failing step),
  // writes target/compiled/ and target/manifest.json, and turns them into steps.
  // `retry_batches`: pond retry's failed microbatch batches per model (may be null).
  RunPlan plan(const std::vector<std::size_t>& selected, PlanKinds kinds,
               const std::map<std::string, std::vector<materialize::BatchWindow>>* retry_batches = nullptr);

 private:
  void expose_delta_sources();
  std::unique_ptr<engine::Database> db_;
  std::unique_ptr<engine::Connection> hook_con_;
  std::unique_ptr<DatabaseHooks> hooks_;
  std::unique_ptr<materialize::LakeTarget> lake_;
  std::unique_ptr<materialize::LakeBackend> lake_backend_;
  materialize::DuckDbBackend database_backend_;
  std::unique_ptr<LoadedProject> project_;
  materialize::RelationCache cache_;
  materialize::RunOptions run_options_;
  std::vector<compile::RunHookResult> run_results_;  // for on-run-end hooks
  std::mutex compile_mutex_;  // the compiler is not thread-safe; steps compile right before they run
  // The Delta tables of sources read with delta_scan('PATH'), as views at the run's start.
  std::vector<std::unique_ptr<ingest::DeltaScan>> delta_sources_;
};

}  // namespace pond::dbt
