// Incremental models: append, delete+insert and merge, with on_schema_change (dbt-duckdb's SQL).
#include <algorithm>
#include <cctype>

#include "common/error.hpp"
#include "common/text.hpp"
#include "materialize/detail.hpp"
#include "materialize/model.hpp"

namespace pond::materialize::detail {

namespace {

const Column* find_column(const std::vector<Column>& cols, const std::string& name) {
  for (const auto& c : cols) {
    if (iequals(c.name, name)) return &c;
  }
  return nullptr;
}

std::string names_list(const std::vector<Column>& cols) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ", ") + c.name;
  return out.empty() ? "[]" : "[" + out + "]";
}

std::vector<std::string> merge_update_columns(const ModelSpec& spec, const std::vector<std::string>& dest) {
  if (!spec.merge_update_columns.empty()) return spec.merge_update_columns;
  std::vector<std::string> out;
  for (const auto& c : dest) {
    bool excluded = std::any_of(spec.merge_exclude_columns.begin(), spec.merge_exclude_columns.end(),
                                [&](const std::string& e) { return iequals(e, c); });
    if (!excluded) out.push_back(c);
  }
  return out;
}

std::uint64_t delete_insert(Session& session, const ModelSpec& spec, const Relation& temp,
                            const std::vector<std::string>& dest) {
  const Relation& target = spec.relation;
  if (!spec.unique_key.empty()) {
    std::vector<std::string> where;
    if (spec.unique_key.size() == 1) {
      std::string k = quote_identifier(spec.unique_key[0]);
      where.push_back(k + " IN (SELECT " + k + " FROM " + temp.render() + ")");
      for (const auto& p : spec.incremental_predicates) where.push_back(p);
      session.execute("DELETE FROM " + target.render() + " WHERE " + and_join(where));
    } else {
      for (const auto& k : spec.unique_key) {
        where.push_back("DBT_INCREMENTAL_SOURCE." + quote_identifier(k) + " = DBT_INCREMENTAL_TARGET." +
                        quote_identifier(k));
      }
      for (const auto& p : spec.incremental_predicates) where.push_back(p);
      session.execute("DELETE FROM " + target.render() + " AS DBT_INCREMENTAL_TARGET USING " + temp.render() +
                      " AS DBT_INCREMENTAL_SOURCE WHERE " + and_join(where));
    }
  }
  return insert_from(session, target, temp, dest);
}

std::uint64_t merge(Session& session, const ModelSpec& spec, const Relation& temp,
                    const std::vector<std::string>& dest) {
  std::vector<std::string> on;
  for (const auto& k : spec.unique_key) {
    on.push_back("DBT_INTERNAL_SOURCE." + quote_identifier(k) + " = DBT_INTERNAL_DEST." +
                 quote_identifier(k));
  }
  for (const auto& p : spec.incremental_predicates) on.push_back(p);
  std::string sql = "MERGE INTO " + spec.relation.render() + " AS DBT_INTERNAL_DEST\nUSING " + temp.render() +
                    " AS DBT_INTERNAL_SOURCE\nON " + (on.empty() ? std::string("FALSE") : and_join(on)) +
                    "\n";
  if (!spec.unique_key.empty()) {
    std::string set;
    for (const auto& c : merge_update_columns(spec, dest)) {
      set +=
          (set.empty() ? "" : ", ") + quote_identifier(c) + " = DBT_INTERNAL_SOURCE." + quote_identifier(c);
    }
    if (!set.empty()) sql += "WHEN MATCHED THEN UPDATE SET " + set + "\n";
  }
  std::string values;
  for (const auto& c : dest)
    values += (values.empty() ? "" : ", ") + ("DBT_INTERNAL_SOURCE." + quote_identifier(c));
  sql += "WHEN NOT MATCHED THEN INSERT (" + quoted_csv(dest) + ") VALUES (" + values + ")";
  return session.execute(sql);
}

}  // namespace

Relation temp_relation(const Relation& target, const std::string& suffix) {
  return Relation{"temp", "main", target.identifier + suffix};
}

std::uint64_t insert_from(Session& session, const Relation& target, const Relation& source,
                          const std::vector<std::string>& columns) {
  std::string cols = quoted_csv(columns);
  return session.execute("INSERT INTO " + target.render() + " (" + cols + ")\nSELECT " + cols + " FROM " +
                         source.render());
}

std::vector<std::string> process_schema_changes(Session& session, const ModelSpec& spec,
                                                const Relation& temp) {
  std::vector<Column> target = session.columns_of(spec.relation);
  if (spec.on_schema_change == OnSchemaChange::kIgnore) return column_names(target);
  std::vector<Column> source = session.columns_of(temp);
  std::vector<Column> added, removed, retyped;
  for (const auto& c : source) {
    const Column* t = find_column(target, c.name);
    if (!t)
      added.push_back(c);
    else if (!iequals(t->type, c.type))
      retyped.push_back(c);
  }
  for (const auto& c : target) {
    if (!find_column(source, c.name)) removed.push_back(c);
  }
  bool changed = !added.empty() || !removed.empty() || !retyped.empty();
  if (changed && spec.on_schema_change == OnSchemaChange::kFail) {
    std::string types;
    for (const auto& c : retyped) types += (types.empty() ? "" : ", ") + c.name + " " + c.type;
    throw UserError(
        "The source and target schemas on this incremental model are out of sync!\n"
        "  Source columns not in target: " +
            names_list(added) + "\n  Target columns not in source: " + names_list(removed) +
            "\n  New column types: [" + types + "]",
        "set on_schema_change to append_new_columns or sync_all_columns, or re-run the model with "
        "--full-refresh",
        ExitCode::kStepFailed);
  }
  const std::string rel = spec.relation.render();
  for (const auto& c : added)
    session.execute("ALTER TABLE " + rel + " ADD COLUMN " + quote_identifier(c.name) + " " + c.type);
  if (spec.on_schema_change == OnSchemaChange::kSyncAllColumns) {
    for (const auto& c : removed)
      session.execute("ALTER TABLE " + rel + " DROP COLUMN " + quote_identifier(c.name));
    for (const auto& c : retyped) {
      session.execute("ALTER TABLE " + rel + " ALTER COLUMN " + quote_identifier(c.name) + " TYPE " + c.type);
    }
  }
  return column_names(source);
}

MaterializeResult build_incremental(Session& session, const ModelSpec& spec, const RunOptions& options) {
  MaterializeResult result;
  const Relation& target = spec.relation;
  run_hooks(session, spec.pre_hooks, false);
  Transaction tx(session);
  run_hooks(session, spec.pre_hooks, true);
  RelationKind existing = session.kind_of(target);
  if (existing != RelationKind::kTable || is_full_refresh(spec, options)) {
    if (existing == RelationKind::kView) session.execute("DROP VIEW " + target.render());
    result.rows_affected = create_table_as(session, target, spec.compiled_sql);
  } else {
    Relation temp = temp_relation(target);
    session.execute("CREATE OR REPLACE TEMP TABLE " + quote_identifier(temp.identifier) + " AS (\n" +
                    strip_statement(spec.compiled_sql) + "\n)");
    std::vector<std::string> dest = process_schema_changes(session, spec, temp);
    switch (spec.strategy) {
      case IncrementalStrategy::kAppend:
        result.rows_affected = insert_from(session, target, temp, dest);
        break;
      case IncrementalStrategy::kDefault:
      case IncrementalStrategy::kDeleteInsert:
        result.rows_affected = delete_insert(session, spec, temp, dest);
        break;
      case IncrementalStrategy::kMerge:
        result.rows_affected = merge(session, spec, temp, dest);
        break;
      case IncrementalStrategy::kMicrobatch:
        throw InternalError("microbatch model " + spec.unique_id + " reached build_incremental");
    }
    session.execute("DROP TABLE " + temp.render());
  }
  persist_docs(session, spec, false);
  run_hooks(session, spec.post_hooks, true);
  tx.commit();
  session.remember(target, RelationKind::kTable);
  run_hooks(session, spec.post_hooks, false);
  return result;
}

}  // namespace pond::materialize::detail
