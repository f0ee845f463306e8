#include "orchestrate/lake_steps.hpp"

#include "common/error.hpp"
#include "engine/error.hpp"
#include "lake_target/lake_models.hpp"
#include "materialize/session.hpp"
#include "orchestrate/batch_context.hpp"
#include "orchestrate/sql_steps.hpp"

namespace pond::orchestrate {

namespace mz = materialize;
namespace lt = lake_target;

namespace {

// Runs a lake build; errors become an error outcome that keeps the SQL run so far.
template <typename F>
StepOutcome guarded(StepContext& ctx, mz::RelationCache* cache, F&& body) {
  mz::Session session(ctx.connection, cache);
  StepOutcome out;
  try {
    lt::LakeBuild b = body(session);
    out.status = b.result.partial ? Status::kPartialSuccess : Status::kSuccess;
    out.message = b.result.message;
    out.rows = b.result.rows_affected;
    out.lake_snapshot = b.snapshot;
    for (const auto& batch : b.result.batches)
      (batch.ok ? out.batches_ok : out.batches_failed).emplace_back(batch.window.start, batch.window.end);
  } catch (const engine::EngineError& e) {
    out.status = Status::kError;
    out.message = e.interrupted() ? "cancelled (interrupted)" : e.what();
  } catch (const UserError& e) {
    out.status = Status::kError;
    out.message = e.what();
  }
  for (const auto& st : session.log()) out.executed_sql.push_back(st.sql);
  return out;
}

}  // namespace

LakeModelStep::LakeModelStep(mz::ModelSpec spec, std::vector<std::string> depends_on,
                             const mz::RunOptions& options, lt::LakeTarget& lake)
    : spec_(std::move(spec)), options_(options), lake_(lake) {
  info_ = {spec_.unique_id,         std::move(depends_on),    "model", model_description(spec_),
           spec_.relation.render(), spec_.relation.display(), ""};
}

StepOutcome LakeModelStep::run(StepContext& ctx) {
  StepOutcome out = guarded(ctx, options_.cache, [&](mz::Session& s) {
    if (spec_.strategy != mz::IncrementalStrategy::kMicrobatch) return lt::build_model(s, lake_, spec_, options_);
    mz::BatchContext batches = batch_context(ctx);  // progress lines
    mz::RunOptions options = options_;
    options.batch_context = &batches;
    return lt::build_model(s, lake_, spec_, options);
  });
  out.compiled_code = spec_.compiled_sql;
  return out;
}

LakeSeedStep::LakeSeedStep(mz::SeedSpec spec, const mz::RunOptions& options, lt::LakeTarget& lake)
    : spec_(std::move(spec)), options_(options), lake_(lake) {
  info_ = {
      spec_.unique_id,          {}, "seed", "seed file " + spec_.relation.display(), spec_.relation.render(),
      spec_.relation.display(), ""};
}

StepOutcome LakeSeedStep::run(StepContext& ctx) {
  StepOutcome out =
      guarded(ctx, options_.cache, [&](mz::Session& s) { return lt::load_seed(s, lake_, spec_, options_); });
  if (out.status == Status::kSuccess) out.message = "INSERT " + std::to_string(out.rows.value_or(0));
  return out;
}

LakeSnapshotStep::LakeSnapshotStep(mz::SnapshotSpec spec, std::vector<std::string> depends_on,
                                   const mz::RunOptions& options, lt::LakeTarget& lake)
    : spec_(std::move(spec)), options_(options), lake_(lake) {
  info_ = {
      spec_.unique_id,         std::move(depends_on),    "snapshot", "snapshot " + spec_.relation.display(),
      spec_.relation.render(), spec_.relation.display(), ""};
}

StepOutcome LakeSnapshotStep::run(StepContext& ctx) {
  StepOutcome out = guarded(ctx, options_.cache,
                            [&](mz::Session& s) { return lt::take_snapshot(s, lake_, spec_, options_); });
  out.compiled_code = spec_.compiled_sql;
  return out;
}

}  // namespace pond::orchestrate
