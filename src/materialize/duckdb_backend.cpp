// The DuckDB backend: relations in the run's DuckDB database, a build in one transaction.
#include "engine/result.hpp"
#include "materialize/backend.hpp"
#include "materialize/build_internal.hpp"
#include "materialize/session.hpp"

namespace pond::materialize {

RelationKind DuckDbBackend::kind_of(Session& s, const Relation& rel) {
  return s.kind_of(rel);
}

std::vector<Column> DuckDbBackend::columns_of(Session& s, const Relation& rel) {
  return s.columns_of(rel);
}

void DuckDbBackend::ensure_schema(Session& s, const Relation& rel) {
  s.ensure_schema(rel);
}

Write DuckDbBackend::create_view(Session& s, const Relation& rel, const std::string& sql) {
  if (s.kind_of(rel) == RelationKind::kTable) s.execute("DROP TABLE " + rel.render());
  s.execute("CREATE OR REPLACE VIEW " + rel.render() + " AS (\n" + strip_statement(sql) + "\n)");
  s.remember(rel, RelationKind::kView);
  return {};
}

Write DuckDbBackend::replace_table(Session& s, const Relation& rel, const std::string& select,
                                   const std::vector<std::string>&) {
  if (s.kind_of(rel) == RelationKind::kView) s.execute("DROP VIEW " + rel.render());
  Write w;
  w.rows = detail::create_table_as(s, rel, select);
  s.remember(rel, RelationKind::kTable);
  return w;
}

Write DuckDbBackend::overwrite(Session& s, const Relation& rel, const std::string& select) {
  s.execute("DELETE FROM " + rel.render());
  Write w;
  w.rows = s.execute("INSERT INTO " + rel.render() + " BY NAME\n" + strip_statement(select));
  return w;
}

Write DuckDbBackend::append(Session& s, const Relation& rel, const std::string& source,
                            const std::vector<std::string>& columns) {
  Write w;
  w.rows = detail::insert_from(s, rel, source, columns);
  return w;
}

Write DuckDbBackend::delete_insert(Session& s, const Relation& rel, const std::string& predicate,
                                   const std::string& source, const std::vector<std::string>& columns) {
  s.execute("DELETE FROM " + rel.render() + " AS DBT_INTERNAL_DEST WHERE " + predicate);
  return append(s, rel, source, columns);
}

Write DuckDbBackend::merge(Session& s, const Relation& rel, const MergeSpec& m) {
  std::vector<std::string> on;
  for (const auto& k : m.keys)
    on.push_back("DBT_INTERNAL_SOURCE." + quote_identifier(k) + " = DBT_INTERNAL_DEST." +
                 quote_identifier(k));
  for (const auto& p : m.predicates) on.push_back(p);
  std::string sql = "MERGE INTO " + rel.render() + " AS DBT_INTERNAL_DEST\nUSING " + m.source +
                    " AS DBT_INTERNAL_SOURCE\nON " +
                    (on.empty() ? std::string("FALSE") : detail::and_join(on)) + "\n";
  if (!m.keys.empty()) {
    std::string set;
    for (const auto& c : m.update_columns)
      set +=
          (set.empty() ? "" : ", ") + quote_identifier(c) + " = DBT_INTERNAL_SOURCE." + quote_identifier(c);
    if (!set.empty()) sql += "WHEN MATCHED THEN UPDATE SET " + set + "\n";
  }
  std::string values;
  for (const auto& c : m.columns)
    values += (values.empty() ? "" : ", ") + ("DBT_INTERNAL_SOURCE." + quote_identifier(c));
  sql += "WHEN NOT MATCHED THEN INSERT (" + quoted_csv(m.columns) + ") VALUES (" + values + ")";
  Write w;
  w.rows = s.execute(sql);
  return w;
}

void DuckDbBackend::add_column(Session& s, const Relation& rel, const Column& c) {
  s.execute("ALTER TABLE " + rel.render() + " ADD COLUMN " + quote_identifier(c.name) + " " + c.type);
}

void DuckDbBackend::drop_column(Session& s, const Relation& rel, const std::string& column) {
  s.execute("ALTER TABLE " + rel.render() + " DROP COLUMN " + quote_identifier(column));
}

void DuckDbBackend::alter_column_type(Session& s, const Relation& rel, const Column& c) {
  s.execute("ALTER TABLE " + rel.render() + " ALTER COLUMN " + quote_identifier(c.name) + " TYPE " + c.type);
}

void DuckDbBackend::comment(Session& s, const Relation& rel, bool is_view, const std::string& column,
                            const std::string& text) {
  if (column.empty())
    s.execute(std::string("COMMENT ON ") + (is_view ? "VIEW " : "TABLE ") + rel.render() + " IS " +
              quote_literal(text));
  else
    s.execute("COMMENT ON COLUMN " + rel.render() + "." + quote_identifier(column) + " IS " +
              quote_literal(text));
}

BuildTransaction::BuildTransaction(Session& session, Backend& backend) {
  if (backend.transactional()) tx_.emplace(session);
}

void BuildTransaction::commit() {
  if (tx_) tx_->commit();
}

}  // namespace pond::materialize
