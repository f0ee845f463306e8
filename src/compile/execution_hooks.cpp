// ExecutionHooks' defaults (compiler.hpp): what `pond compile` answers with no run, and the
// catalog queries list_relations and list_schemas make through run_query().
#include <string>
#include <vector>

#include "compile/compiler.hpp"
#include "jinja/error.hpp"

namespace pond::compile {

using project::Node;

bool ExecutionHooks::is_incremental(const Node&) {
  return false;
}
std::optional<std::string> ExecutionHooks::relation_type(const std::string&, const std::string&,
                                                         const std::string&) {
  return std::nullopt;
}
std::vector<ColumnInfo> ExecutionHooks::columns(const std::string&, const std::string&, const std::string&) {
  return {};
}
QueryResult ExecutionHooks::run_query(const std::string&) {
  throw jinja::TemplateError(jinja::ErrorKind::kRuntime,
                             "run_query() needs a database connection; it runs during pond run/build");
}

namespace {

// A SQL string literal (the catalog queries below).
std::string sql_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

// dbt-duckdb's list_relations_without_caching and list_schemas, as catalog queries.
std::vector<RelationInfo> ExecutionHooks::list_relations(const std::string& database,
                                                         const std::string& schema) {
  std::string sql =
      "select table_catalog, table_schema, table_name, case table_type when 'VIEW' then 'view' else 'table' "
      "end "
      "from system.information_schema.tables where lower(table_schema) = lower(" +
      sql_literal(schema) + ")";
  if (!database.empty()) sql += " and lower(table_catalog) = lower(" + sql_literal(database) + ")";
  sql += " order by table_name";
  std::vector<RelationInfo> out;
  for (const auto& row : run_query(sql).rows)
    if (row.size() == 4)
      out.push_back(
          {row[0].value_or(""), row[1].value_or(""), row[2].value_or(""), row[3].value_or("table")});
  return out;
}

bool ExecutionHooks::drop_relation(const std::string&, const std::string&, const std::string&) {
  return false;
}

std::vector<std::string> ExecutionHooks::list_schemas(const std::string& database) {
  std::string sql = "select schema_name from system.information_schema.schemata";
  if (!database.empty()) sql += " where lower(catalog_name) = lower(" + sql_literal(database) + ")";
  std::vector<std::string> out;
  for (const auto& row : run_query(sql + " order by schema_name").rows)
    if (!row.empty() && row[0]) out.push_back(*row[0]);
  return out;
}

}  // namespace pond::compile
