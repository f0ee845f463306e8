// Microbatch models in the lake: one delete+insert (replace_where) per event-time batch, each
// its own lake snapshot, so a failing batch leaves the others committed (dbt's partial success).
#include <fmt/format.h>

#include <cctype>

#include "common/error.hpp"
#include "engine/error.hpp"
#include "lake_target/lake_models.hpp"
#include "materialize/detail.hpp"
#include "materialize/microbatch_window.hpp"
#include "materialize/model.hpp"

namespace pond::lake_target {

namespace mz = materialize;

namespace {

// The event_time config as SQL: a plain column name is quoted, an expression used as written.
std::string event_time_sql(const std::string& et) {
  bool plain = !et.empty() && !std::isdigit(static_cast<unsigned char>(et[0]));
  for (char c : et) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? mz::quote_ident(et) : et;
}

std::string window_predicate(const std::string& et, const mz::BatchWindow& w) {
  return fmt::format("{0} >= TIMESTAMP {1} AND {0} < TIMESTAMP {2}", et, mz::quote_literal(w.start),
                     mz::quote_literal(w.end));
}

}  // namespace

LakeBuild build_microbatch(mz::Session& session, LakeTarget& target, const mz::ModelSpec& spec,
                           const mz::RunOptions& options, lake::Lake& lake, bool exists) {
  if (spec.microbatch.event_time.empty())
    throw UserError("microbatch model '" + spec.unique_id + "' needs an 'event_time' config",
                    "set event_time to the column holding each row's event time");
  if (!spec.microbatch.batch_size)
    throw UserError("microbatch model '" + spec.unique_id + "' has no 'batch_size' config",
                    "set batch_size to one of hour, day, month, year");
  mz::BatchPlanInput in;
  in.size = *spec.microbatch.batch_size;
  in.begin = spec.microbatch.begin;
  in.lookback = spec.microbatch.lookback;
  in.incremental = exists && !mz::is_full_refresh(spec, options);
  in.event_time_start = options.event_time_start;
  in.event_time_end = options.event_time_end;
  in.now = options.now ? *options.now : mz::utc_now();
  std::vector<mz::BatchWindow> batches = mz::plan_batches(in, spec.unique_id);

  const std::string name = LakeTarget::lake_name(spec.relation);
  const std::string et = event_time_sql(spec.microbatch.event_time);
  bool replace = !in.incremental;  // the first batch that succeeds replaces the table
  LakeBuild out;
  std::size_t failed = 0;
  std::string first_error;
  for (const mz::BatchWindow& w : batches) {
    mz::BatchResult br{w, true, "", 0};
    try {
      std::string sql = spec.batch_sql ? mz::strip_statement(spec.batch_sql(w))
                                       : "SELECT * FROM (\n" + mz::strip_statement(spec.compiled_sql) +
                                             "\n) AS pond_batch WHERE " + window_predicate(et, w);
      lake::CommitResult r;
      if (replace) {
        r = lake.create_table_as(session.connection(), name, sql, {}, true);
      } else {
        std::vector<std::string> where{window_predicate(et, w)};
        for (const auto& p : spec.incremental_predicates) where.push_back(p);
        r = lake.replace_where(session.connection(), name, mz::detail::and_join(where), sql);
      }
      session.log().push_back({fmt::format("-- lake: batch {} of {} (snapshot {})\n{}",
                                           mz::batch_id(w, in.size), name, r.snapshot_id, sql),
                               0});
      replace = false;
      br.rows = static_cast<std::uint64_t>(r.rows_written);
      out.snapshot = r.snapshot_id;
      target.show_table(session.connection(), lake, spec.relation, r.snapshot_id);
    } catch (const engine::EngineError& e) {
      if (e.interrupted()) throw;
      br.ok = false;
      br.message = e.what();
    } catch (const UserError& e) {
      br.ok = false;
      br.message = e.what();
    }
    if (!br.ok) {
      ++failed;
      if (first_error.empty()) first_error = "batch " + mz::batch_id(w, in.size) + ": " + br.message;
    }
    out.result.rows_affected += br.rows;
    out.result.batches.push_back(std::move(br));
  }
  if (failed == batches.size())
    throw engine::EngineError("all " + std::to_string(failed) +
                              " batches failed; first error: " + first_error);
  out.result.partial = failed > 0;
  if (failed > 0)
    out.result.message = std::to_string(failed) + " of " + std::to_string(batches.size()) +
                         " batches failed; first error: " + first_error;
  return out;
}

}  // namespace pond::lake_target
