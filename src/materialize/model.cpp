#include "materialize/model.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "engine/result.hpp"
#include "materialize/detail.hpp"

namespace pond::materialize {

namespace detail {

void run_hooks(Session& session, const std::vector<Hook>& hooks, bool in_transaction) {
  for (const Hook& h : hooks) {
    if (h.transaction != in_transaction) continue;
    std::string sql = strip_statement(h.sql);
    if (!sql.empty()) session.execute(sql);
  }
}

void persist_docs(Session& session, const ModelSpec& spec, bool is_view) {
  const Docs& d = spec.docs;
  if (d.persist_relation && !d.description.empty()) {
    session.execute(std::string("COMMENT ON ") + (is_view ? "VIEW " : "TABLE ") + spec.relation.render() +
                    " IS " + quote_literal(d.description));
  }
  if (d.persist_columns && !d.column_descriptions.empty()) {
    for (const Column& c : session.columns_of(spec.relation)) {
      auto it = d.column_descriptions.find(c.name);
      if (it == d.column_descriptions.end() || it->second.empty()) continue;
      session.execute("COMMENT ON COLUMN " + spec.relation.render() + "." + quote_identifier(c.name) +
                      " IS " + quote_literal(it->second));
    }
  }
}

void drop_if_kind(Session& session, const Relation& rel, RelationKind kind) {
  if (session.kind_of(rel) != kind) return;
  session.execute(std::string(kind == RelationKind::kView ? "DROP VIEW " : "DROP TABLE ") + rel.render());
}

std::uint64_t create_table_as(Session& session, const Relation& rel, const std::string& sql) {
  // DuckDB answers CREATE TABLE AS with the row count, so no count(*) is needed.
  engine::Result r =
      session.run("CREATE OR REPLACE TABLE " + rel.render() + " AS (\n" + strip_statement(sql) + "\n)");
  auto chunk = r.next_chunk();
  if (!chunk || chunk->size() == 0 || chunk->column_count() == 0 || chunk->is_null(0, 0)) return 0;
  return static_cast<std::uint64_t>(chunk->get<std::int64_t>(0, 0));
}

std::string and_join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += " AND ";
    out += "(" + p + ")";
  }
  return out;
}

}  // namespace detail

bool is_full_refresh(const ModelSpec& spec, const RunOptions& options) {
  return spec.full_refresh.value_or(options.full_refresh);
}

bool is_incremental(Session& session, const ModelSpec& spec, const RunOptions& options) {
  return spec.materialized == Materialized::kIncremental && !is_full_refresh(spec, options) &&
         session.kind_of(spec.relation) == RelationKind::kTable;
}

namespace {

// Whether the build is one statement: no hook or comment inside the transaction and no
// relation of the other kind to drop. One CREATE OR REPLACE is atomic by itself in DuckDB, so
// the explicit transaction (two more round trips per model) is left out.
bool single_statement(Session& session, const ModelSpec& spec, RelationKind other) {
  auto in_tx = [](const Hook& h) { return h.transaction; };
  return std::none_of(spec.pre_hooks.begin(), spec.pre_hooks.end(), in_tx) &&
         std::none_of(spec.post_hooks.begin(), spec.post_hooks.end(), in_tx) && !spec.docs.persist_relation &&
         !spec.docs.persist_columns && session.kind_of(spec.relation) != other;
}

MaterializeResult build_view(Session& session, const ModelSpec& spec) {
  MaterializeResult result;
  const std::string create = "CREATE OR REPLACE VIEW " + spec.relation.render() + " AS (\n" +
                             strip_statement(spec.compiled_sql) + "\n)";
  detail::run_hooks(session, spec.pre_hooks, false);
  if (single_statement(session, spec, RelationKind::kTable)) {
    session.execute(create);
  } else {
    Transaction tx(session);
    detail::run_hooks(session, spec.pre_hooks, true);
    detail::drop_if_kind(session, spec.relation, RelationKind::kTable);
    session.execute(create);
    detail::persist_docs(session, spec, true);
    detail::run_hooks(session, spec.post_hooks, true);
    tx.commit();
  }
  session.remember(spec.relation, RelationKind::kView);
  detail::run_hooks(session, spec.post_hooks, false);
  return result;
}

MaterializeResult build_table(Session& session, const ModelSpec& spec) {
  MaterializeResult result;
  detail::run_hooks(session, spec.pre_hooks, false);
  if (single_statement(session, spec, RelationKind::kView)) {
    result.rows_affected = detail::create_table_as(session, spec.relation, spec.compiled_sql);
  } else {
    Transaction tx(session);
    detail::run_hooks(session, spec.pre_hooks, true);
    detail::drop_if_kind(session, spec.relation, RelationKind::kView);
    result.rows_affected = detail::create_table_as(session, spec.relation, spec.compiled_sql);
    detail::persist_docs(session, spec, false);
    detail::run_hooks(session, spec.post_hooks, true);
    tx.commit();
  }
  session.remember(spec.relation, RelationKind::kTable);
  detail::run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace

MaterializeResult materialize_model(Session& session, const ModelSpec& spec, const RunOptions& options) {
  session.ensure_schema(spec.relation);
  MaterializeResult result;
  switch (spec.materialized) {
    case Materialized::kView:
      result = build_view(session, spec);
      break;
    case Materialized::kTable:
      result = build_table(session, spec);
      break;
    case Materialized::kIncremental:
      result = spec.strategy == IncrementalStrategy::kMicrobatch
                   ? detail::build_microbatch(session, spec, options)
                   : detail::build_incremental(session, spec, options);
      break;
    case Materialized::kExternal:
      result = detail::build_external(session, spec, options);
      break;
    case Materialized::kEphemeral:
      throw UserError("model '" + spec.unique_id + "' is ephemeral: it is inlined as a CTE, not built");
  }
  return result;
}

}  // namespace pond::materialize
