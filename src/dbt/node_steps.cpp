#include "dbt/node_steps.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "common/error.hpp"
#include "common/log.hpp"
#include "dbt/artifacts.hpp"
#include "dbt/batch_context.hpp"
#include "dbt/error_location.hpp"
#include "dbt/step_details.hpp"
#include "engine/error.hpp"
#include "materialize/model.hpp"
#include "materialize/session.hpp"

namespace pond::dbt {

namespace mz = materialize;

std::string model_description(const mz::ModelSpec& spec, bool python) {
  // dbt-duckdb: "python table model", "python incremental model"
  if (python)
    return (spec.materialized == mz::Materialized::kIncremental ? "python incremental model "
                                                                : "python table model ") +
           spec.relation.display();
  switch (spec.materialized) {
    case mz::Materialized::kView:
      return "sql view model " + spec.relation.display();
    case mz::Materialized::kTable:
      return "sql table model " + spec.relation.display();
    case mz::Materialized::kIncremental:
      return (spec.strategy == mz::IncrementalStrategy::kMicrobatch ? "sql microbatch model "
                                                                    : "sql incremental model ") +
             spec.relation.display();
    case mz::Materialized::kEphemeral:
      return "sql ephemeral model " + spec.relation.display();
    case mz::Materialized::kExternal:
      return "sql external model " + spec.relation.display();
  }
  return "sql model " + spec.relation.display();
}

namespace {

exec::StepInfo node_step_info(std::string id, std::vector<std::string> depends_on, std::string kind,
                              std::string description, const mz::Relation& relation) {
  exec::StepInfo info;
  info.id = std::move(id);
  info.depends_on = std::move(depends_on);
  info.kind = std::move(kind);
  info.description = std::move(description);
  info.relation = relation.render();
  info.materializes = {relation.display()};
  return info;
}

// What a step's lake commits record as their origin, so that after a crash the lake says which
// steps finished their work (reconcile_crashed_run).
std::string commit_origin(const std::string& run_id, const std::string& step_id) {
  if (run_id.empty()) return "";
  return nlohmann::json{{"pond_run", run_id}, {"step", step_id}}.dump();
}

// Runs `body` with a session; errors become an error outcome that keeps the SQL run so far.
// Its details carry the compiled code and the statements executed.
template <typename F>
exec::StepOutcome guarded(exec::StepContext& ctx, mz::RelationCache* cache, const std::string& compiled,
                          const std::string& step_id, F&& body) {
  mz::Session session(ctx.connection(), cache);
  session.set_commit_info(commit_origin(ctx.run_id, step_id));
  session.set_label(step_id);
  exec::StepOutcome out;
  auto details = std::make_shared<NodeOutcome>();
  try {
    out = body(session, *details);
  } catch (const engine::EngineError& e) {
    out.status = exec::Status::kError;
    out.message = e.interrupted() ? "cancelled (interrupted)" : e.what();
  } catch (const UserError& e) {
    out.status = exec::Status::kError;
    out.message = e.what();
  }
  if (details->compiled_code.empty()) details->compiled_code = compiled;  // a unit test sets its own
  for (const auto& st : session.log()) details->executed_sql.push_back(st.sql);
  out.details = std::move(details);
  return out;
}

// Compiles the node now when the step has a compiler; a compile error is the step's outcome.
std::optional<exec::StepOutcome> compile_now(const CompileNow& compile, std::string& sql) {
  if (!compile) return std::nullopt;
  try {
    sql = compile();
    return std::nullopt;
  } catch (const UserError& e) {
    exec::StepOutcome o;
    o.status = exec::Status::kError;
    o.message = e.what();
    auto details = std::make_shared<NodeOutcome>();
    details->compile_failed = true;
    o.details = std::move(details);
    return o;
  }
}

// A build's outcome: its status, rows and (when it succeeded) the asset it materialized; the
// windows of a microbatch model go to the details.
exec::StepOutcome built(const exec::StepInfo& info, const mz::MaterializeResult& r, NodeOutcome& details) {
  for (const auto& b : r.batches)
    (b.ok ? details.batches_ok : details.batches_failed).emplace_back(b.window.start, b.window.end);
  exec::StepOutcome out;
  out.status = r.partial ? exec::Status::kPartialSuccess : exec::Status::kSuccess;
  out.message = r.message;
  out.rows = r.rows_affected;
  out.materializations.push_back(
      exec::materialized(info, static_cast<std::int64_t>(r.rows_affected), r.snapshot));
  return out;
}

}  // namespace

ModelStep::ModelStep(mz::ModelSpec spec, std::vector<std::string> depends_on, const mz::RunOptions& options,
                     mz::Backend& backend)
    : spec_(std::move(spec)), options_(options), backend_(backend) {
  info_ = node_step_info(spec_.unique_id, std::move(depends_on), "model", model_description(spec_),
                         spec_.relation);
}

void ModelStep::run_python(PythonModelRun run) {
  python_ = std::move(run);
  info_.description = model_description(spec_, true);
}

exec::StepOutcome ModelStep::run(exec::StepContext& ctx) {
  if (auto failed = compile_now(compile_, spec_.compiled_sql)) return *failed;
  if (python_) return run_python_model(ctx);
  exec::StepOutcome out =
      guarded(ctx, options_.cache, spec_.compiled_sql, info_.id, [&](mz::Session& s, NodeOutcome& d) {
        if (spec_.strategy != mz::IncrementalStrategy::kMicrobatch)
          return built(info_, mz::materialize_model(s, backend_, spec_, options_), d);
        mz::BatchContext batches = batch_context(ctx);  // progress lines, concurrent batches
        mz::RunOptions options = options_;
        options.batch_context = &batches;
        return built(info_, mz::materialize_model(s, backend_, spec_, options), d);
      });
  return out;
}

// dbt-duckdb runs Python models as tables or incremental models; pond puts the result where the
// model's SQL would be and materializes it through the same backend.
exec::StepOutcome ModelStep::run_python_model(exec::StepContext& ctx) {
  return guarded(ctx, options_.cache, spec_.compiled_sql, info_.id, [&](mz::Session& s, NodeOutcome& d) {
    if (spec_.materialized != mz::Materialized::kTable &&
        spec_.materialized != mz::Materialized::kIncremental)
      throw UserError(
          "a Python model is materialized as 'table' or 'incremental' (as in dbt), not '" +
              std::string(spec_.materialized == mz::Materialized::kView        ? "view"
                          : spec_.materialized == mz::Materialized::kEphemeral ? "ephemeral"
                                                                               : "external") +
              "'",
          "set dbt.config(materialized=\"table\") in the model or +materialized in dbt_project.yml",
          ExitCode::kStepFailed);
    if (spec_.strategy == mz::IncrementalStrategy::kMicrobatch)
      throw UserError("the microbatch strategy is for SQL models; a Python model cannot be run by batches",
                      ExitCode::kStepFailed);
    PythonModelRun run = *python_;
    run.code = spec_.compiled_sql;
    PythonModel model(s, std::move(run));
    mz::ModelSpec spec = spec_;
    spec.compiled_sql = model.run(ctx.cancelled());
    d.compiled_code = spec_.compiled_sql;
    return built(info_, mz::materialize_model(s, backend_, spec, options_), d);
  });
}

SeedStep::SeedStep(mz::SeedSpec spec, const mz::RunOptions& options, mz::Backend& backend)
    : spec_(std::move(spec)), options_(options), backend_(backend) {
  info_ =
      node_step_info(spec_.unique_id, {}, "seed", "seed file " + spec_.relation.display(), spec_.relation);
}

exec::StepOutcome SeedStep::run(exec::StepContext& ctx) {
  return guarded(ctx, options_.cache, "", info_.id, [&](mz::Session& s, NodeOutcome& d) {
    exec::StepOutcome out = built(info_, mz::load_seed(s, backend_, spec_, options_), d);
    out.message = "INSERT " + std::to_string(*out.rows);
    return out;
  });
}

SnapshotStep::SnapshotStep(mz::SnapshotSpec spec, std::vector<std::string> depends_on,
                           const mz::RunOptions& options, mz::Backend& backend)
    : spec_(std::move(spec)), options_(options), backend_(backend) {
  info_ = node_step_info(spec_.unique_id, std::move(depends_on), "snapshot",
                         "snapshot " + spec_.relation.display(), spec_.relation);
}

exec::StepOutcome SnapshotStep::run(exec::StepContext& ctx) {
  if (auto failed = compile_now(compile_, spec_.compiled_sql)) return *failed;
  return guarded(ctx, options_.cache, spec_.compiled_sql, info_.id, [&](mz::Session& s, NodeOutcome& d) {
    return built(info_, mz::take_snapshot(s, backend_, spec_, options_), d);
  });
}

OperationStep::OperationStep(std::string unique_id, std::string sql, Render render)
    : sql_(std::move(sql)), render_(std::move(render)) {
  std::string name = unique_id.substr(unique_id.find('.') + 1);
  info_.id = std::move(unique_id);
  info_.kind = "operation";
  info_.description = "hook: " + name;
}

exec::StepOutcome OperationStep::run(exec::StepContext& ctx) {
  return guarded(ctx, nullptr, "", info_.id, [&](mz::Session& s, NodeOutcome& d) {
    std::string sql = render_ ? render_(s.connection()) : sql_;
    d.compiled_code = sql + ";\n";
    std::string stmt = mz::strip_statement(sql);
    if (!stmt.empty()) s.execute(stmt);
    exec::StepOutcome o;
    o.message = "OK";
    return o;
  });
}

TestStep::TestStep(mz::TestSpec spec, std::vector<std::string> depends_on, std::string asset_key,
                   mz::Backend& audit, mz::RelationCache* cache)
    : spec_(std::move(spec)), audit_(audit), cache_(cache) {
  info_.id = spec_.unique_id;
  info_.depends_on = std::move(depends_on);
  info_.kind = "test";
  info_.description = "test " + spec_.name;
  info_.checks.push_back({std::move(asset_key), spec_.unique_id});
}

exec::StepOutcome TestStep::run(exec::StepContext& ctx) {
  auto run_test = [&](mz::Session& s, NodeOutcome&) {
    mz::TestResult r = mz::run_data_test(s, audit_, spec_);
    exec::StepOutcome o;
    switch (r.status) {
      case mz::TestStatus::kPass:
        o.status = exec::Status::kPass;
        break;
      case mz::TestStatus::kWarn:
        // dbt: with --warn-error (or LogTestResult in its error list) a warning test fails.
        o.status =
            log::options().warn_error.promotes("LogTestResult") ? exec::Status::kFail : exec::Status::kWarn;
        break;
      case mz::TestStatus::kFail:
        o.status = exec::Status::kFail;
        break;
      case mz::TestStatus::kError:
        o.status = exec::Status::kError;
        break;
    }
    o.failures = r.failures;
    o.message = r.message;
    return o;
  };
  std::optional<exec::StepOutcome> failed = compile_now(compile_, spec_.sql);
  exec::StepOutcome out = failed ? std::move(*failed) : guarded(ctx, cache_, spec_.sql, info_.id, run_test);
  const exec::CheckRef& check = info_.checks.front();
  out.checks.push_back({check.asset_key, check.name, out.status,
                        spec_.severity == mz::Severity::kWarn ? "warn" : "error", out.failures, out.message});
  return out;
}

UnitTestStep::UnitTestStep(mz::UnitTestSpec spec, std::vector<std::string> depends_on, std::string asset_key)
    : spec_(std::move(spec)) {
  info_.id = spec_.unique_id;
  info_.depends_on = std::move(depends_on);
  info_.kind = "unit_test";
  info_.description = "unit_test " + spec_.model + "::" + spec_.name;
  info_.checks.push_back({std::move(asset_key), spec_.unique_id});
}

exec::StepOutcome UnitTestStep::run(exec::StepContext& ctx) {
  exec::StepOutcome out = guarded(ctx, nullptr, "", info_.id, [&](mz::Session& s, NodeOutcome& d) {
    mz::UnitTestResult r = mz::run_unit_test(s, spec_);
    d.compiled_code = r.sql;
    exec::StepOutcome o;
    o.status = r.passed ? exec::Status::kPass : exec::Status::kFail;
    o.failures = r.passed ? 0 : 1;  // as dbt; the diff says how many rows differ
    o.message = r.message;
    return o;
  });
  const exec::CheckRef& check = info_.checks.front();
  out.checks.push_back({check.asset_key, check.name, out.status, "error", out.failures, out.message});
  return out;
}

exec::StepOutcome FailedStep::run(exec::StepContext&) {
  exec::StepOutcome o;
  o.status = exec::Status::kError;
  o.message = message_;
  for (const auto& c : info_.checks)
    o.checks.push_back({c.asset_key, c.name, exec::Status::kError, "error", std::nullopt, message_});
  return o;
}

NamedStep::NamedStep(std::unique_ptr<exec::Step> inner, std::string where, std::string run_path,
                     std::string run_dir)
    : inner_(std::move(inner)),
      info_(inner_->info()),
      where_(std::move(where)),
      run_dir_(std::move(run_dir)) {
  auto details = std::make_shared<NodeInfo>();
  details->run_path = std::move(run_path);
  info_.details = std::move(details);
}

exec::StepOutcome NamedStep::run(exec::StepContext& ctx) {
  exec::StepOutcome o = inner_->run(ctx);
  if (o.status != exec::Status::kError) return o;
  std::string indented;  // continuation lines under the first, blank ones left blank
  for (std::size_t k = 0; k < o.message.size(); ++k) {
    indented += o.message[k];
    if (o.message[k] == '\n' && k + 1 < o.message.size() && o.message[k + 1] != '\n') indented += "  ";
  }
  const NodeOutcome* details = node_outcome(o);
  static const std::vector<std::string> kNone;
  const std::vector<std::string>& executed = details ? details->executed_sql : kNone;
  std::optional<FileLocation> loc = locate_error(executed, o.message);
  bool compile_failed = details && details->compile_failed;
  o.message = (compile_failed ? "Compilation Error in " : "Database Error in ") + where_ + "\n  " + indented;
  if (!executed.empty()) {
    std::string where = run_dir_ + "/" + run_sql_path(info_).generic_string();
    if (loc) {
      where += ":" + std::to_string(loc->line);
      if (loc->column > 0) where += ":" + std::to_string(loc->column);
    }
    o.message += "\n  compiled code at " + where;
  }
  for (auto& c : o.checks) c.message = o.message;
  return o;
}

}  // namespace pond::dbt
