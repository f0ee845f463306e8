// Microbatch models in the lake: one delete+insert (replace_where) per event-time batch, each
// its own lake snapshot, so a failing batch leaves the others committed (dbt's partial success).
// Which batches run, their failures and progress: materialize/microbatch_run.cpp.
#include <fmt/format.h>

#include "lake_target/lake_models.hpp"
#include "materialize/detail.hpp"
#include "materialize/microbatch_run.hpp"
#include "materialize/microbatch_window.hpp"
#include "materialize/model.hpp"

namespace pond::lake_target {

namespace mz = materialize;

LakeBuild build_microbatch(mz::Session& session, LakeTarget& target, const mz::ModelSpec& spec,
                           const mz::RunOptions& options, lake::Lake& lake, bool exists) {
  // A retry of failed batches adds to the table the earlier run built, full refresh or not.
  bool incremental =
      exists && (!spec.microbatch.retry_batches.empty() || !mz::is_full_refresh(spec, options));
  std::vector<mz::BatchWindow> batches = mz::model_batches(spec, options, incremental);
  const mz::BatchSize size = *spec.microbatch.batch_size;
  const std::string name = LakeTarget::lake_name(spec.relation);
  const std::string et = mz::event_time_sql(spec.microbatch.event_time);
  bool replace = !incremental;  // the first batch that succeeds replaces the table
  LakeBuild out;
  // Batches run one after another: each is a lake commit, and concurrent commits to one table
  // would conflict in the catalog.
  auto one = [&](mz::Session& s, const mz::BatchWindow& w) -> std::uint64_t {
    std::string sql = spec.batch_sql ? mz::strip_statement(spec.batch_sql(w))
                                     : "SELECT * FROM (\n" + mz::strip_statement(spec.compiled_sql) +
                                           "\n) AS pond_batch WHERE " + mz::window_predicate(et, w);
    lake::CommitResult r;
    if (replace) {
      r = lake.create_table_as(s.connection(), name, sql, {}, true);
    } else {
      std::vector<std::string> where{mz::window_predicate(et, w)};
      for (const auto& p : spec.incremental_predicates) where.push_back(p);
      r = lake.replace_where(s.connection(), name, mz::detail::and_join(where), sql);
    }
    s.log().push_back({fmt::format("-- lake: batch {} of {} (snapshot {})\n{}", mz::batch_id(w, size), name,
                                   r.snapshot_id, sql),
                       0});
    replace = false;
    out.snapshot = r.snapshot_id;
    target.show_table(s.connection(), lake, spec.relation, r.snapshot_id);
    return static_cast<std::uint64_t>(r.rows_written);
  };
  out.result = mz::run_batches(session, spec, options, batches, false, one);
  return out;
}

}  // namespace pond::lake_target
