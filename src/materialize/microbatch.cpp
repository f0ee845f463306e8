// Microbatch incremental models: one delete+insert per event-time batch, each its own transaction,
// so that a failing batch leaves the others committed (dbt's partial success). Which batches run,
// their failures, progress and concurrency: microbatch_run.cpp.
#include <atomic>

#include "materialize/detail.hpp"
#include "materialize/microbatch_run.hpp"
#include "materialize/model.hpp"

namespace pond::materialize::detail {

namespace {

// The batch's rows: the compiler's per-batch SQL (upstreams with an event_time already read only
// the window) or the compiled SQL, kept to the window on the model's own event_time too, so that
// a batch inserts exactly the rows its DELETE removed (an upstream without event_time is read in
// full by every batch; dbt would insert all of it each time).
std::string batch_sql(const ModelSpec& spec, const BatchWindow& w) {
  std::string inner = strip_statement(spec.batch_sql ? spec.batch_sql(w) : spec.compiled_sql);
  return "SELECT * FROM (\n" + inner + "\n) AS pond_batch WHERE " +
         window_predicate(event_time_sql(spec.microbatch.event_time), w);
}

}  // namespace

MaterializeResult build_microbatch(Session& session, const ModelSpec& spec, const RunOptions& options) {
  const Relation& target = spec.relation;
  // A retry of failed batches adds to the relation the earlier run built, full refresh or not.
  bool retrying = !spec.microbatch.retry_batches.empty();
  bool is_table = session.kind_of(target) == RelationKind::kTable;
  std::atomic<bool> exists = is_table && (retrying || !is_full_refresh(spec, options));
  std::vector<BatchWindow> batches = model_batches(spec, options, exists);
  const std::string et = event_time_sql(spec.microbatch.event_time);
  run_hooks(session, spec.pre_hooks, false);
  // One batch, in its own transaction. Concurrent batches only start once the relation exists.
  auto one = [&](Session& s, const BatchWindow& w) -> std::uint64_t {
    std::string sql = batch_sql(spec, w);  // rendering may fail too: that batch fails
    Transaction tx(s);
    run_hooks(s, spec.pre_hooks, true);
    std::uint64_t rows = 0;
    if (!exists) {
      // First build (or full refresh): the first batch that succeeds replaces the relation.
      if (s.kind_of(target) == RelationKind::kView) s.execute("DROP VIEW " + target.render());
      rows = create_table_as(s, target, sql);
    } else {
      Relation temp = temp_relation(target);
      s.execute("CREATE OR REPLACE TEMP TABLE " + quote_identifier(temp.identifier) + " AS (\n" + sql +
                "\n)");
      std::vector<std::string> dest = process_schema_changes(s, spec, temp);
      std::vector<std::string> where = {window_predicate(et, w)};
      for (const auto& p : spec.incremental_predicates) where.push_back(p);
      s.execute("DELETE FROM " + target.render() + " WHERE " + and_join(where));
      rows = insert_from(s, target, temp, dest);
      s.execute("DROP TABLE " + temp.render());
    }
    run_hooks(s, spec.post_hooks, true);
    tx.commit();
    exists = true;
    s.remember(target, RelationKind::kTable);
    return rows;
  };
  MaterializeResult result =
      run_batches(session, spec, options, batches, batches_may_run_concurrently(spec), one);
  if (!result.partial) run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace pond::materialize::detail
