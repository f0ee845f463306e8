// Microbatch incremental models: one delete+insert per event-time batch, each its own atomic
// change (a DuckDB transaction or a lake commit), so that a failing batch leaves the others
// committed (dbt's partial success). Which batches run, their failures, progress and
// concurrency: microbatch_run.cpp.
#include <atomic>
#include <mutex>

#include "common/scope_guard.hpp"
#include "engine/connection.hpp"
#include "materialize/build_internal.hpp"
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

MaterializeResult build_microbatch(Session& session, Backend& backend, const ModelSpec& spec,
                                   const RunOptions& options) {
  const Relation& target = spec.relation;
  // A retry of failed batches adds to the relation the earlier run built, full refresh or not.
  bool retrying = !spec.microbatch.retry_batches.empty();
  bool is_table = backend.kind_of(session, target) == RelationKind::kTable;
  std::atomic<bool> exists = is_table && (retrying || !is_full_refresh(spec, options));
  std::vector<BatchWindow> batches = model_batches(spec, options, exists);
  const std::string et = event_time_sql(spec.microbatch.event_time);
  std::mutex snapshot_mutex;
  std::optional<std::int64_t> last_snapshot;
  run_hooks(session, spec.pre_hooks, false);
  // One batch, atomic on its own. Concurrent batches only start once the relation exists.
  auto one = [&](Session& s, const BatchWindow& w) -> std::uint64_t {
    std::string sql = batch_sql(spec, w);  // rendering may fail too: that batch fails
    s.set_partial_commits(true);           // one batch is not the model's whole work
    BuildTransaction tx(s, backend);
    run_hooks(s, spec.pre_hooks, true);
    Write write;
    if (!exists) {
      // First build (or full refresh): the first batch that succeeds replaces the relation.
      write = backend.replace_table(s, target, sql, spec.external.partition_by);
    } else {
      Relation temp = temp_relation(target);
      s.execute("CREATE OR REPLACE TEMP TABLE " + quote_identifier(temp.identifier) + " AS (\n" + sql +
                "\n)");
      ScopeGuard drop_temp([&] { s.connection().execute("DROP TABLE IF EXISTS " + temp.render()); });
      std::vector<std::string> dest = process_schema_changes(s, backend, spec, temp);
      std::vector<std::string> where = {window_predicate(et, w)};
      for (const auto& p : spec.incremental_predicates) where.push_back(p);
      write = backend.delete_insert(s, target, and_join(where), temp.render(), dest);
    }
    run_hooks(s, spec.post_hooks, true);
    tx.commit();
    exists = true;
    if (write.snapshot) {
      std::lock_guard lock(snapshot_mutex);
      if (!last_snapshot || *write.snapshot > *last_snapshot) last_snapshot = write.snapshot;
    }
    return write.rows;
  };
  // A backend whose every write is its own commit takes the batches one after another:
  // concurrent commits to one table would conflict.
  bool concurrent = backend.transactional() && batches_may_run_concurrently(spec);
  MaterializeResult result = run_batches(session, spec, options, batches, concurrent, one);
  result.snapshot = last_snapshot;
  if (!result.partial) run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace pond::materialize::detail
