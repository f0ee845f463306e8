#include "orchestrate/sql_steps.hpp"

#include "common/error.hpp"
#include "engine/error.hpp"
#include "materialize/model.hpp"
#include "materialize/session.hpp"
#include "orchestrate/batch_context.hpp"

namespace pond::orchestrate {

namespace mz = materialize;

std::string model_description(const mz::ModelSpec& spec) {
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

std::vector<std::string> statements(mz::Session& s) {
  std::vector<std::string> out;
  for (const auto& st : s.log()) out.push_back(st.sql);
  return out;
}

// Runs `body` with a session; errors become an error outcome that keeps the SQL run so far.
template <typename F>
StepOutcome guarded(StepContext& ctx, mz::RelationCache* cache, F&& body) {
  mz::Session session(ctx.connection, cache);
  StepOutcome out;
  try {
    out = body(session);
  } catch (const engine::EngineError& e) {
    out.status = Status::kError;
    out.message = e.interrupted() ? "cancelled (interrupted)" : e.what();
  } catch (const UserError& e) {
    out.status = Status::kError;
    out.message = e.what();
  }
  out.executed_sql = statements(session);
  return out;
}

StepOutcome from_result(const mz::MaterializeResult& r) {
  StepOutcome out;
  out.status = r.partial ? Status::kPartialSuccess : Status::kSuccess;
  out.message = r.message;
  out.rows = r.rows_affected;
  for (const auto& b : r.batches)
    (b.ok ? out.batches_ok : out.batches_failed).emplace_back(b.window.start, b.window.end);
  return out;
}

}  // namespace

ModelStep::ModelStep(mz::ModelSpec spec, std::vector<std::string> depends_on, const mz::RunOptions& options)
    : spec_(std::move(spec)), options_(options) {
  info_ = {spec_.unique_id,         std::move(depends_on),    "model", model_description(spec_),
           spec_.relation.render(), spec_.relation.display(), ""};
}

StepOutcome ModelStep::run(StepContext& ctx) {
  StepOutcome out = guarded(ctx, options_.cache, [&](mz::Session& s) {
    if (spec_.strategy != mz::IncrementalStrategy::kMicrobatch)
      return from_result(mz::materialize_model(s, spec_, options_));
    mz::BatchContext batches = batch_context(ctx);  // progress lines, concurrent batches
    mz::RunOptions options = options_;
    options.batch_context = &batches;
    return from_result(mz::materialize_model(s, spec_, options));
  });
  out.compiled_code = spec_.compiled_sql;
  return out;
}

SeedStep::SeedStep(mz::SeedSpec spec, const mz::RunOptions& options)
    : spec_(std::move(spec)), options_(options) {
  info_ = {
      spec_.unique_id,          {}, "seed", "seed file " + spec_.relation.display(), spec_.relation.render(),
      spec_.relation.display(), ""};
}

StepOutcome SeedStep::run(StepContext& ctx) {
  return guarded(ctx, options_.cache, [&](mz::Session& s) {
    StepOutcome out = from_result(mz::load_seed(s, spec_, options_));
    out.message = "INSERT " + std::to_string(*out.rows);
    return out;
  });
}

SnapshotStep::SnapshotStep(mz::SnapshotSpec spec, std::vector<std::string> depends_on,
                           const mz::RunOptions& options)
    : spec_(std::move(spec)), options_(options) {
  info_ = {
      spec_.unique_id,         std::move(depends_on),    "snapshot", "snapshot " + spec_.relation.display(),
      spec_.relation.render(), spec_.relation.display(), ""};
}

StepOutcome SnapshotStep::run(StepContext& ctx) {
  StepOutcome out = guarded(ctx, options_.cache, [&](mz::Session& s) {
    return from_result(mz::take_snapshot(s, spec_, options_));
  });
  out.compiled_code = spec_.compiled_sql;
  return out;
}

OperationStep::OperationStep(std::string unique_id, std::vector<std::string> statements)
    : statements_(std::move(statements)) {
  std::string name = unique_id.substr(unique_id.find('.') + 1);
  info_ = {std::move(unique_id), {}, "operation", "hook: " + name, "", "", ""};
}

StepOutcome OperationStep::run(StepContext& ctx) {
  StepOutcome out = guarded(ctx, nullptr, [&](mz::Session& s) {
    for (const auto& sql : statements_) {
      std::string stmt = mz::strip_statement(sql);
      if (!stmt.empty()) s.execute(stmt);
    }
    StepOutcome o;
    o.message = "OK";
    return o;
  });
  for (const auto& sql : statements_) out.compiled_code += sql + ";\n";
  return out;
}

TestStep::TestStep(mz::TestSpec spec, std::vector<std::string> depends_on, std::string asset_key,
                   mz::RelationCache* cache)
    : spec_(std::move(spec)), cache_(cache) {
  info_ = {
      spec_.unique_id, std::move(depends_on), "test", "test " + spec_.name, "", std::move(asset_key), ""};
}

StepOutcome TestStep::run(StepContext& ctx) {
  StepOutcome out = guarded(ctx, cache_, [&](mz::Session& s) {
    mz::TestResult r = mz::run_data_test(s, spec_);
    StepOutcome o;
    switch (r.status) {
      case mz::TestStatus::kPass:
        o.status = Status::kPass;
        break;
      case mz::TestStatus::kWarn:
        o.status = Status::kWarn;
        break;
      case mz::TestStatus::kFail:
        o.status = Status::kFail;
        break;
      case mz::TestStatus::kError:
        o.status = Status::kError;
        break;
    }
    o.failures = r.failures;
    o.message = r.message;
    return o;
  });
  out.compiled_code = spec_.sql;
  return out;
}

}  // namespace pond::orchestrate
