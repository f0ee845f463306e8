#include "materialize/catalog.hpp"

#include <map>
#include <set>
#include <tuple>

#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/result.hpp"

namespace pond::materialize {

namespace {

using Key = std::tuple<std::string, std::string, std::string>;

Key key_of(const std::string& database, const std::string& schema, const std::string& name) {
  return {to_lower(database), to_lower(schema), to_lower(name)};
}

}  // namespace

std::vector<std::optional<CatalogEntry>> read_catalog(engine::Connection& con,
                                                      const std::vector<Relation>& relations) {
  std::vector<std::optional<CatalogEntry>> out(relations.size());
  if (relations.empty()) return out;
  auto current = con.query("SELECT current_database()").rows_as_text();
  const std::string default_db = !current.empty() && current[0][0] ? *current[0][0] : std::string();

  // Only the schemas asked about are read: a database may hold far more than the project built.
  std::set<std::pair<std::string, std::string>> schemas;
  for (const auto& r : relations)
    schemas.emplace(to_lower(r.database.empty() ? default_db : r.database), to_lower(r.schema));
  std::string filter;
  for (const auto& [db, schema] : schemas) {
    if (!filter.empty()) filter += " OR ";
    filter += "(lower(r.database_name) = " + quote_literal(db) +
              " AND lower(r.schema_name) = " + quote_literal(schema) + ")";
  }
  const std::string sql =
      "WITH r AS ("
      " SELECT database_name, schema_name, table_name AS name, 'BASE TABLE' AS type, comment"
      " FROM duckdb_tables() WHERE NOT temporary"
      " UNION ALL"
      " SELECT database_name, schema_name, view_name, 'VIEW', comment"
      " FROM duckdb_views() WHERE NOT internal AND NOT temporary)"
      " SELECT r.database_name, r.schema_name, r.name, r.type, r.comment,"
      " c.column_name, c.column_index, c.data_type, c.comment"
      " FROM r LEFT JOIN duckdb_columns() c ON c.database_name = r.database_name"
      " AND c.schema_name = r.schema_name AND c.table_name = r.name"
      " WHERE " +
      filter + " ORDER BY r.database_name, r.schema_name, r.name, c.column_index";

  std::map<Key, CatalogEntry> found;
  for (auto& row : con.query(sql).rows_as_text()) {
    auto text = [&](std::size_t i) { return row[i].value_or(std::string()); };
    Key k = key_of(text(0), text(1), text(2));
    auto [it, fresh] = found.try_emplace(k);
    CatalogEntry& e = it->second;
    if (fresh) {
      e.relation = Relation{text(0), text(1), text(2)};
      e.type = text(3);
      e.comment = text(4);
    }
    if (row[5]) e.columns.push_back(CatalogColumn{*row[5], text(7), std::stoi(text(6)), text(8)});
  }
  for (std::size_t i = 0; i < relations.size(); ++i) {
    const Relation& r = relations[i];
    auto it = found.find(key_of(r.database.empty() ? default_db : r.database, r.schema, r.identifier));
    if (it != found.end()) out[i] = it->second;
  }
  return out;
}

}  // namespace pond::materialize
