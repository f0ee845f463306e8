// Microbatch incremental models: one delete+insert per event-time batch, each its own transaction,
// so that a failing batch leaves the others committed (dbt's partial success).
#include <cctype>

#include "common/error.hpp"
#include "engine/error.hpp"
#include "materialize/detail.hpp"
#include "materialize/microbatch_window.hpp"
#include "materialize/model.hpp"

namespace pond::materialize::detail {

namespace {

std::string ts_literal(const std::string& text) {
  return "TIMESTAMP " + quote_literal(text);
}

// The event_time config as SQL: a plain column name is quoted, an expression used as written
// (dbt puts the config into the SQL as it is).
std::string event_time_sql(const std::string& et) {
  bool plain = !et.empty() && !std::isdigit(static_cast<unsigned char>(et[0]));
  for (char c : et) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? quote_ident(et) : et;
}

std::string window_predicate(const std::string& et, const BatchWindow& w) {
  return et + " >= " + ts_literal(w.start) + " AND " + et + " < " + ts_literal(w.end);
}

// The batch's rows: the compiler's per-batch SQL (upstreams with an event_time already read only
// the window) or the compiled SQL, kept to the window on the model's own event_time too, so that
// a batch inserts exactly the rows its DELETE removed (an upstream without event_time is read in
// full by every batch; dbt would insert all of it each time).
std::string batch_sql(const ModelSpec& spec, const BatchWindow& w) {
  std::string inner = strip_statement(spec.batch_sql ? spec.batch_sql(w) : spec.compiled_sql);
  return "SELECT * FROM (\n" + inner + "\n) AS pond_batch WHERE " +
         window_predicate(event_time_sql(spec.microbatch.event_time), w);
}

std::vector<BatchWindow> microbatch_batches(const ModelSpec& spec, const RunOptions& options,
                                            bool incremental) {
  if (!spec.microbatch.batch_size)
    throw UserError("microbatch model '" + spec.unique_id + "' has no 'batch_size' config",
                    "set batch_size to one of hour, day, month, year");
  BatchPlanInput in;
  in.size = *spec.microbatch.batch_size;
  in.begin = spec.microbatch.begin;
  in.lookback = spec.microbatch.lookback;
  in.incremental = incremental;
  in.event_time_start = options.event_time_start;
  in.event_time_end = options.event_time_end;
  in.now = options.now ? *options.now : utc_now();
  return plan_batches(in, spec.unique_id);
}

}  // namespace

MaterializeResult build_microbatch(Session& session, const ModelSpec& spec, const RunOptions& options) {
  if (spec.microbatch.event_time.empty()) {
    throw UserError("microbatch model '" + spec.unique_id + "' needs an 'event_time' config",
                    "set event_time to the column holding each row's event time");
  }
  const Relation& target = spec.relation;
  bool exists = session.kind_of(target) == RelationKind::kTable && !is_full_refresh(spec, options);
  std::vector<BatchWindow> batches = microbatch_batches(spec, options, exists);
  const std::string et = event_time_sql(spec.microbatch.event_time);
  MaterializeResult result;
  run_hooks(session, spec.pre_hooks, false);
  std::size_t failed = 0;
  std::string first_error;
  for (const BatchWindow& w : batches) {
    BatchResult br{w, true, "", 0};
    try {
      std::string sql = batch_sql(spec, w);  // rendering may fail too: that batch fails
      Transaction tx(session);
      run_hooks(session, spec.pre_hooks, true);
      if (!exists) {
        // First build (or full refresh): the first batch that succeeds replaces the relation.
        if (session.kind_of(target) == RelationKind::kView) session.execute("DROP VIEW " + target.render());
        br.rows = create_table_as(session, target, sql);
      } else {
        Relation temp = temp_relation(target);
        session.execute("CREATE OR REPLACE TEMP TABLE " + quote_ident(temp.identifier) + " AS (\n" + sql +
                        "\n)");
        std::vector<std::string> dest = process_schema_changes(session, spec, temp);
        std::vector<std::string> where = {window_predicate(et, w)};
        for (const auto& p : spec.incremental_predicates) where.push_back(p);
        session.execute("DELETE FROM " + target.render() + " WHERE " + and_join(where));
        br.rows = insert_from(session, target, temp, dest);
        session.execute("DROP TABLE " + temp.render());
      }
      run_hooks(session, spec.post_hooks, true);
      tx.commit();
      exists = true;
      session.remember(target, RelationKind::kTable);
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
      if (first_error.empty())
        first_error = "batch " + batch_id(w, *spec.microbatch.batch_size) + ": " + br.message;
    }
    result.rows_affected += br.rows;
    result.batches.push_back(std::move(br));
  }
  if (failed == batches.size()) {
    throw engine::EngineError("all " + std::to_string(failed) +
                              " batches failed; first error: " + first_error);
  }
  result.partial = failed > 0;
  if (failed == 0) {
    run_hooks(session, spec.post_hooks, false);
  } else {
    result.message = std::to_string(failed) + " of " + std::to_string(batches.size()) +
                     " batches failed; first error: " + first_error;
  }
  return result;
}

}  // namespace pond::materialize::detail
