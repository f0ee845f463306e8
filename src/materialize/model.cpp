#include "materialize/model.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "engine/result.hpp"
#include "materialize/build_internal.hpp"

namespace pond::materialize {

namespace detail {

void run_hooks(Session& session, const std::vector<Hook>& hooks, bool in_transaction) {
  for (const Hook& h : hooks) {
    if (h.transaction != in_transaction) continue;
    std::string sql = strip_statement(h.render ? h.render(session) : h.sql);
    if (!sql.empty()) session.execute(sql);
  }
}

void persist_docs(Session& session, Backend& backend, const ModelSpec& spec, bool is_view) {
  const Docs& d = spec.docs;
  if (d.persist_relation && !d.description.empty())
    backend.comment(session, spec.relation, is_view, "", d.description);
  if (d.persist_columns && !d.column_descriptions.empty()) {
    for (const Column& c : backend.columns_of(session, spec.relation)) {
      auto it = d.column_descriptions.find(c.name);
      if (it == d.column_descriptions.end() || it->second.empty()) continue;
      backend.comment(session, spec.relation, is_view, c.name, it->second);
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

Relation temp_relation(const Relation& target, const std::string& suffix) {
  return Relation{"temp", "main", target.identifier + suffix};
}

std::uint64_t insert_from(Session& session, const Relation& target, const std::string& source,
                          const std::vector<std::string>& columns) {
  std::string cols = quoted_csv(columns);
  return session.execute("INSERT INTO " + target.render() + " (" + cols + ")\nSELECT " + cols + " FROM " +
                         source);
}

}  // namespace detail

bool is_full_refresh(const ModelSpec& spec, const RunOptions& options) {
  return spec.full_refresh.value_or(options.full_refresh);
}

bool is_incremental(Session& session, Backend& backend, const ModelSpec& spec, const RunOptions& options) {
  return spec.materialized == Materialized::kIncremental && !is_full_refresh(spec, options) &&
         backend.kind_of(session, spec.relation) == RelationKind::kTable;
}

namespace {

// Whether the build is one statement: no hook or comment inside the transaction and no
// relation of the other kind to drop. One CREATE OR REPLACE is atomic by itself in DuckDB, so
// the explicit transaction (two more round trips per model) is left out.
bool single_statement(Session& session, Backend& backend, const ModelSpec& spec, RelationKind other) {
  auto in_tx = [](const Hook& h) { return h.transaction; };
  return std::none_of(spec.pre_hooks.begin(), spec.pre_hooks.end(), in_tx) &&
         std::none_of(spec.post_hooks.begin(), spec.post_hooks.end(), in_tx) && !spec.docs.persist_relation &&
         !spec.docs.persist_columns && backend.kind_of(session, spec.relation) != other;
}

// A view or table model: the relation replaced by one write, bracketed by hooks.
MaterializeResult build_relation(Session& session, Backend& backend, const ModelSpec& spec, bool view) {
  MaterializeResult result;
  auto write = [&] {
    Write w =
        view ? backend.create_view(session, spec.relation, spec.compiled_sql)
             : backend.replace_table(session, spec.relation, spec.compiled_sql, spec.external.partition_by);
    result.rows_affected = w.rows;
    result.snapshot = w.snapshot;
  };
  detail::run_hooks(session, spec.pre_hooks, false);
  if (single_statement(session, backend, spec, view ? RelationKind::kTable : RelationKind::kView)) {
    write();
  } else {
    BuildTransaction tx(session, backend);
    detail::run_hooks(session, spec.pre_hooks, true);
    write();
    detail::persist_docs(session, backend, spec, view);
    detail::run_hooks(session, spec.post_hooks, true);
    tx.commit();
  }
  detail::run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace

MaterializeResult materialize_model(Session& session, Backend& backend, const ModelSpec& spec,
                                    const RunOptions& options) {
  switch (spec.materialized) {
    case Materialized::kView:
      backend.ensure_schema(session, spec.relation);
      return build_relation(session, backend, spec, true);
    case Materialized::kTable:
      backend.ensure_schema(session, spec.relation);
      return build_relation(session, backend, spec, false);
    case Materialized::kIncremental:
      backend.ensure_schema(session, spec.relation);
      return spec.strategy == IncrementalStrategy::kMicrobatch
                 ? detail::build_microbatch(session, backend, spec, options)
                 : detail::build_incremental(session, backend, spec, options);
    case Materialized::kExternal:
      session.ensure_schema(spec.relation);
      return detail::build_external(session, spec, options);
    case Materialized::kEphemeral:
      break;
  }
  throw InternalError("model '" + spec.unique_id + "' is ephemeral: it is inlined as a CTE, not built");
}

}  // namespace pond::materialize
