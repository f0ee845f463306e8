#pragma once
// The executor's steps for dbt nodes: models, seeds and snapshots built through a
// materialization backend (the target's DuckDB database or its lake), data tests, and the
// on-run-start/end operations. Each reports what it materialized or checked, and its compiled
// code and executed SQL as NodeOutcome details.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dbt/python_model.hpp"
#include "exec/step.hpp"
#include "materialize/backend.hpp"
#include "materialize/data_test.hpp"
#include "materialize/relation_cache.hpp"
#include "materialize/seed.hpp"
#include "materialize/snapshot.hpp"
#include "materialize/spec.hpp"
#include "materialize/unit_test.hpp"

namespace pond::dbt {

// Compiles a node right before its step runs it (dbt's execution model: after its parents were
// built, so run_query and adapter.get_columns_in_relation see them) and returns its SQL.
// Throws UserError when the node does not compile.
using CompileNow = std::function<std::string()>;

// "sql table model", "sql incremental model", ... (dbt's progress-line wording).
std::string model_description(const materialize::ModelSpec& spec, bool python = false);

class ModelStep : public exec::Step {
 public:
  ModelStep(materialize::ModelSpec spec, std::vector<std::string> depends_on,
            const materialize::RunOptions& options, materialize::Backend& backend);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;
  void compile_before_run(CompileNow compile) { compile_ = std::move(compile); }
  // A Python model: its compiled code is run by python3 (python_model.hpp) and its result
  // materialized. `run` holds everything but the code.
  void run_python(PythonModelRun run);

 private:
  exec::StepOutcome run_python_model(exec::StepContext& ctx);

  exec::StepInfo info_;
  CompileNow compile_;
  std::optional<PythonModelRun> python_;
  materialize::ModelSpec spec_;
  const materialize::RunOptions& options_;
  materialize::Backend& backend_;
};

class SeedStep : public exec::Step {
 public:
  SeedStep(materialize::SeedSpec spec, const materialize::RunOptions& options, materialize::Backend& backend);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;

 private:
  exec::StepInfo info_;
  materialize::SeedSpec spec_;
  const materialize::RunOptions& options_;
  materialize::Backend& backend_;
};

class SnapshotStep : public exec::Step {
 public:
  SnapshotStep(materialize::SnapshotSpec spec, std::vector<std::string> depends_on,
               const materialize::RunOptions& options, materialize::Backend& backend);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;
  void compile_before_run(CompileNow compile) { compile_ = std::move(compile); }

 private:
  exec::StepInfo info_;
  CompileNow compile_;
  materialize::SnapshotSpec spec_;
  const materialize::RunOptions& options_;
  materialize::Backend& backend_;
};

// An on-run-start / on-run-end hook (dbt's operation node). Its Jinja renders when it runs, on
// the step's connection (run_query sees the database as it is then; on-run-end sees `results`).
class OperationStep : public exec::Step {
 public:
  using Render = std::function<std::string(engine::Connection&)>;
  // `render` empty: `sql` has no Jinja and runs as it is.
  OperationStep(std::string unique_id, std::string sql, Render render);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;

 private:
  exec::StepInfo info_;
  std::string sql_;
  Render render_;
};

class TestStep : public exec::Step {
 public:
  // asset_key: the model (or source) the test checks.
  // `audit`: where store_failures writes (the lake on a lake target, so the table outlives the run).
  TestStep(materialize::TestSpec spec, std::vector<std::string> depends_on, std::string asset_key,
           materialize::Backend& audit, materialize::RelationCache* cache = nullptr);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;
  void compile_before_run(CompileNow compile) { compile_ = std::move(compile); }

 private:
  exec::StepInfo info_;
  CompileNow compile_;
  materialize::TestSpec spec_;
  materialize::Backend& audit_;
  materialize::RelationCache* cache_;
};

// A dbt unit test (unit_tests: in YAML); asset_key: the model it tests. Fails with the diff.
class UnitTestStep : public exec::Step {
 public:
  UnitTestStep(materialize::UnitTestSpec spec, std::vector<std::string> depends_on, std::string asset_key);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;

 private:
  exec::StepInfo info_;
  materialize::UnitTestSpec spec_;
};

// A node that could not be compiled: fails at once, so its descendants are skipped.
class FailedStep : public exec::Step {
 public:
  FailedStep(exec::StepInfo info, std::string message)
      : info_(std::move(info)), message_(std::move(message)) {}
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext&) override;

 private:
  exec::StepInfo info_;
  std::string message_;
};

// Puts the node's kind, name and file around a database error, as dbt does ("Database Error in
// model x (models/x.sql)", the message, "compiled code at target/run/...:line:col"), and says
// where dbt writes the executed SQL (target/run/<package>/<path>). `run_dir` is the
// project-relative target/run folder, as the message shows it. `where` names the node ("model
// x (models/x.sql)"); a compile error is a "Compilation Error in" it.
class NamedStep : public exec::Step {
 public:
  NamedStep(std::unique_ptr<exec::Step> inner, std::string where, std::string run_path, std::string run_dir);
  const exec::StepInfo& info() const override { return info_; }
  exec::StepOutcome run(exec::StepContext& ctx) override;

 private:
  std::unique_ptr<exec::Step> inner_;
  exec::StepInfo info_;
  std::string where_;
  std::string run_dir_;
};

}  // namespace pond::dbt
