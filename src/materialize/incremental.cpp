// Incremental models: append, delete+insert and merge with on_schema_change, written once for
// every backend (dbt-duckdb's semantics; the SQL of each write is the backend's).
#include <algorithm>

#include "common/error.hpp"
#include "common/scope_guard.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "materialize/build_internal.hpp"
#include "materialize/model.hpp"

namespace pond::materialize::detail {

namespace {

const Column* find_column(const std::vector<Column>& cols, const std::string& name) {
  for (const auto& c : cols)
    if (iequals(c.name, name)) return &c;
  return nullptr;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequals(n, name); });
}

std::string names_list(const std::vector<Column>& cols) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ", ") + c.name;
  return out.empty() ? "[]" : "[" + out + "]";
}

// dbt-duckdb's delete+insert predicates name the target DBT_INCREMENTAL_TARGET (several keys)
// or nothing; merge's name it DBT_INTERNAL_DEST. Backends see one alias: DBT_INTERNAL_DEST.
std::string dest_alias(std::string predicate) {
  const std::string from = "DBT_INCREMENTAL_TARGET.";
  for (auto at = predicate.find(from); at != std::string::npos; at = predicate.find(from, at))
    predicate.replace(at, from.size(), "DBT_INTERNAL_DEST.");
  return predicate;
}

}  // namespace

SchemaChange diff_columns(const std::vector<Column>& target, const std::vector<Column>& source) {
  SchemaChange d;
  for (const auto& c : source) {
    const Column* t = find_column(target, c.name);
    if (!t)
      d.added.push_back(c);
    else if (!iequals(t->type, c.type))
      d.retyped.push_back(c);
  }
  for (const auto& c : target)
    if (!find_column(source, c.name)) d.removed.push_back(c);
  return d;
}

std::vector<std::string> process_schema_changes(Session& session, Backend& backend, const ModelSpec& spec,
                                                const Relation& temp) {
  std::vector<Column> target = backend.columns_of(session, spec.relation);
  std::vector<Column> source = session.columns_of(temp);
  // ignore: dbt inserts the target's columns (a column the model no longer has fails the insert).
  if (spec.on_schema_change == OnSchemaChange::kIgnore) return column_names(target);
  SchemaChange d = diff_columns(target, source);
  bool changed = !d.added.empty() || !d.removed.empty() || !d.retyped.empty();
  if (changed && spec.on_schema_change == OnSchemaChange::kFail) {
    std::string types;
    for (const auto& c : d.retyped) types += (types.empty() ? "" : ", ") + c.name + " " + c.type;
    throw UserError(
        "The source and target schemas on this incremental model are out of sync!\n"
        "  Source columns not in target: " +
            names_list(d.added) + "\n  Target columns not in source: " + names_list(d.removed) +
            "\n  New column types: [" + types + "]",
        "set on_schema_change to append_new_columns or sync_all_columns, or re-run the model with "
        "--full-refresh",
        ExitCode::kStepFailed);
  }
  for (const auto& c : d.added) backend.add_column(session, spec.relation, c);
  if (spec.on_schema_change == OnSchemaChange::kSyncAllColumns) {
    for (const auto& c : d.removed) backend.drop_column(session, spec.relation, c.name);
    for (const auto& c : d.retyped) backend.alter_column_type(session, spec.relation, c);
  }
  // The new rows' columns; columns the model no longer has stay NULL (append_new_columns).
  return column_names(source);
}

std::vector<std::string> merge_update_columns(const ModelSpec& spec, const std::vector<std::string>& dest) {
  if (!spec.merge_update_columns.empty()) return spec.merge_update_columns;
  std::vector<std::string> out;
  for (const auto& c : dest)
    if (!contains(spec.merge_exclude_columns, c)) out.push_back(c);
  return out;
}

std::string unique_key_predicate(const std::vector<std::string>& keys, const Relation& temp) {
  if (keys.size() == 1) {
    std::string k = quote_identifier(keys[0]);
    return "DBT_INTERNAL_DEST." + k + " IN (SELECT " + k + " FROM " + temp.render() + ")";
  }
  std::vector<std::string> match;
  for (const auto& k : keys) {
    std::string q = quote_identifier(k);
    match.push_back("DBT_INTERNAL_SOURCE." + q + " = DBT_INTERNAL_DEST." + q);
  }
  return "EXISTS (SELECT 1 FROM " + temp.render() + " AS DBT_INTERNAL_SOURCE WHERE " + and_join(match) + ")";
}

MaterializeResult build_incremental(Session& session, Backend& backend, const ModelSpec& spec,
                                    const RunOptions& options) {
  MaterializeResult result;
  const Relation& target = spec.relation;
  run_hooks(session, spec.pre_hooks, false);
  BuildTransaction tx(session, backend);
  run_hooks(session, spec.pre_hooks, true);
  if (backend.kind_of(session, target) != RelationKind::kTable || is_full_refresh(spec, options)) {
    Write w = backend.replace_table(session, target, spec.compiled_sql, spec.external.partition_by);
    result.rows_affected = w.rows;
    result.snapshot = w.snapshot;
  } else {
    Relation temp = temp_relation(target);
    session.execute("CREATE OR REPLACE TEMP TABLE " + quote_identifier(temp.identifier) + " AS (\n" +
                    strip_statement(spec.compiled_sql) + "\n)");
    ScopeGuard drop_temp([&] { session.connection().execute("DROP TABLE IF EXISTS " + temp.render()); });
    std::vector<std::string> dest = process_schema_changes(session, backend, spec, temp);
    IncrementalStrategy strategy = spec.strategy;
    if (strategy == IncrementalStrategy::kMicrobatch)
      throw InternalError("microbatch model " + spec.unique_id + " reached build_incremental");
    // Without a unique key every strategy only inserts (dbt's delete+insert deletes nothing,
    // merge matches nothing).
    if (spec.unique_key.empty()) strategy = IncrementalStrategy::kAppend;
    std::vector<std::string> predicates;
    for (const auto& p : spec.incremental_predicates) predicates.push_back(dest_alias(p));
    Write w;
    switch (strategy) {
      case IncrementalStrategy::kAppend:
        w = backend.append(session, target, temp.render(), dest);
        break;
      case IncrementalStrategy::kDefault:
      case IncrementalStrategy::kDeleteInsert: {
        std::vector<std::string> where{unique_key_predicate(spec.unique_key, temp)};
        where.insert(where.end(), predicates.begin(), predicates.end());
        w = backend.delete_insert(session, target, and_join(where), temp.render(), dest);
        break;
      }
      case IncrementalStrategy::kMerge:
        w = backend.merge(
            session, target,
            MergeSpec{temp.render(), spec.unique_key, dest, merge_update_columns(spec, dest), predicates});
        break;
      case IncrementalStrategy::kMicrobatch:
        break;  // refused above
    }
    result.rows_affected = w.rows;
    result.snapshot = w.snapshot;
  }
  persist_docs(session, backend, spec, false);
  run_hooks(session, spec.post_hooks, true);
  tx.commit();
  run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace pond::materialize::detail
