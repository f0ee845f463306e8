// Microbatch incremental models: one delete+insert per event-time batch, each its own transaction,
// so that a failing batch leaves the others committed (dbt's partial success).
#include "common/error.hpp"
#include "engine/error.hpp"
#include "materialize/detail.hpp"
#include "materialize/model.hpp"

namespace pond::materialize::detail {

namespace {

const char* unit_name(BatchSize b) {
  switch (b) {
    case BatchSize::kHour:
      return "hour";
    case BatchSize::kDay:
      return "day";
    case BatchSize::kMonth:
      return "month";
    case BatchSize::kYear:
      return "year";
  }
  return "day";
}

std::string ts_literal(const std::string& text) {
  return "CAST(" + quote_literal(text) + " AS TIMESTAMP)";
}

// The batches [start, end) as dbt's MicrobatchBuilder computes them: start from
// --event-time-start, else (incremental run) the current batch minus `lookback`, else `begin`;
// end at --event-time-end or now.
std::vector<BatchWindow> compute_batches(Session& session, const ModelSpec& spec, const RunOptions& options,
                                         bool incremental) {
  const std::string unit = unit_name(spec.microbatch.batch_size);
  std::string now = options.now ? ts_literal(*options.now) : "timezone('UTC', current_timestamp)";
  std::string start;
  if (options.event_time_start) {
    start = "date_trunc('" + unit + "', " + ts_literal(*options.event_time_start) + ")";
  } else if (incremental) {
    start = "date_trunc('" + unit + "', " + now + ") - INTERVAL " + std::to_string(spec.microbatch.lookback) +
            " " + unit;
  } else if (spec.microbatch.begin) {
    start = "date_trunc('" + unit + "', " + ts_literal(*spec.microbatch.begin) + ")";
  } else {
    throw UserError("microbatch model '" + spec.unique_id + "' has no 'begin' config",
                    "set begin (e.g. begin='2024-01-01') or pass --event-time-start");
  }
  std::string end = options.event_time_end ? ts_literal(*options.event_time_end) : now;
  std::string sql = "SELECT strftime(s, '%Y-%m-%d %H:%M:%S'), strftime(s + INTERVAL 1 " + unit +
                    ", '%Y-%m-%d %H:%M:%S') FROM generate_series(CAST(" + start + " AS TIMESTAMP), CAST(" +
                    end + " AS TIMESTAMP), INTERVAL 1 " + unit + ") AS g(s) WHERE s < CAST(" + end +
                    " AS TIMESTAMP) ORDER BY s";
  std::vector<BatchWindow> out;
  for (auto& row : session.run(sql).rows_as_text()) out.push_back({*row[0], *row[1]});
  return out;
}

std::string batch_sql(const ModelSpec& spec, const BatchWindow& w) {
  if (spec.batch_sql) return strip_statement(spec.batch_sql(w));
  std::string et = quote_ident(spec.microbatch.event_time);
  return "SELECT * FROM (\n" + strip_statement(spec.compiled_sql) + "\n) AS pond_batch WHERE " + et +
         " >= " + ts_literal(w.start) + " AND " + et + " < " + ts_literal(w.end);
}

}  // namespace

MaterializeResult build_microbatch(Session& session, const ModelSpec& spec, const RunOptions& options) {
  if (spec.microbatch.event_time.empty()) {
    throw UserError("microbatch model '" + spec.unique_id + "' needs an 'event_time' config");
  }
  const Relation& target = spec.relation;
  bool full = is_full_refresh(spec, options);
  RelationKind existing = session.kind_of(target);
  bool exists = existing == RelationKind::kTable && !full;
  MaterializeResult result;
  std::vector<BatchWindow> batches = compute_batches(session, spec, options, exists);
  run_hooks(session, spec.pre_hooks, false);
  std::size_t failed = 0;
  std::string first_error;
  for (const BatchWindow& w : batches) {
    BatchResult br{w, true, "", 0};
    try {
      Transaction tx(session);
      run_hooks(session, spec.pre_hooks, true);
      std::string sql = batch_sql(spec, w);
      if (!exists) {
        if (session.kind_of(target) == RelationKind::kView) session.execute("DROP VIEW " + target.render());
        br.rows = create_table_as(session, target, sql);
        exists = true;
      } else {
        Relation temp = temp_relation(target);
        session.execute("CREATE OR REPLACE TEMP TABLE " + quote_ident(temp.identifier) + " AS (\n" + sql +
                        "\n)");
        std::vector<std::string> dest = process_schema_changes(session, spec, temp);
        std::string et = quote_ident(spec.microbatch.event_time);
        std::vector<std::string> where = {et + " >= " + ts_literal(w.start), et + " < " + ts_literal(w.end)};
        for (const auto& p : spec.incremental_predicates) where.push_back(p);
        session.execute("DELETE FROM " + target.render() + " WHERE " + and_join(where));
        br.rows = insert_from(session, target, temp, dest);
        session.execute("DROP TABLE " + temp.render());
      }
      run_hooks(session, spec.post_hooks, true);
      tx.commit();
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
      if (first_error.empty()) first_error = br.message;
    }
    result.rows_affected += br.rows;
    result.batches.push_back(std::move(br));
  }
  if (failed == batches.size() && failed > 0) {
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
