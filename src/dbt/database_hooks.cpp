#include "dbt/database_hooks.hpp"

#include "engine/connection.hpp"
#include "engine/result.hpp"

namespace pond::dbt {

namespace mz = materialize;
using nlohmann::json;
using project::Node;

DatabaseHooks::Redirect::Redirect(DatabaseHooks& hooks, engine::Connection& con) : hooks_(hooks) {
  std::lock_guard lock(hooks_.mutex_);
  hooks_.redirects_[std::this_thread::get_id()] = &con;
}

DatabaseHooks::Redirect::~Redirect() {
  std::lock_guard lock(hooks_.mutex_);
  hooks_.redirects_.erase(std::this_thread::get_id());
}

engine::Connection& DatabaseHooks::con() {
  auto it = redirects_.find(std::this_thread::get_id());
  return it == redirects_.end() ? con_ : *it->second;
}

bool DatabaseHooks::is_incremental(const Node& node) {
  if (node.materialized() != "incremental") return false;
  const json* fr = node.config_value("full_refresh");
  bool full = fr && fr->is_boolean() ? fr->get<bool>() : full_refresh_;
  if (full) return false;
  std::lock_guard lock(mutex_);
  return relation_type_locked(node.database, node.schema, node.alias) == std::optional<std::string>("table");
}

std::optional<std::string> DatabaseHooks::relation_type(const std::string& database,
                                                        const std::string& schema,
                                                        const std::string& identifier) {
  std::lock_guard lock(mutex_);
  return relation_type_locked(database, schema, identifier);
}

std::optional<std::string> DatabaseHooks::relation_type_locked(const std::string& database,
                                                               const std::string& schema,
                                                               const std::string& identifier) {
  if (lake_ && lake_->holds({database, schema, identifier})) {
    if (auto kind = lake_->kind(schema, identifier))
      return *kind == materialize::LakeKind::kTable ? "table" : "view";
  }
  std::string sql =
      "SELECT table_type FROM information_schema.tables WHERE table_schema = " + quote_literal(schema) +
      " AND table_name = " + quote_literal(identifier);
  if (!database.empty()) sql += " AND table_catalog = " + quote_literal(database);
  auto rows = con().query(sql).rows_as_text();
  if (rows.empty() || !rows[0][0]) return std::nullopt;
  return *rows[0][0] == "VIEW" ? "view" : "table";
}

std::vector<compile::RelationInfo> DatabaseHooks::list_relations(const std::string& database,
                                                                 const std::string& schema) {
  std::vector<compile::RelationInfo> out = ExecutionHooks::list_relations(database, schema);
  if (!lake_) return out;
  for (auto& r : out) {
    if (!lake_->holds({r.database, r.schema, r.identifier})) continue;
    if (auto kind = lake_->kind(r.schema, r.identifier))
      r.type = *kind == materialize::LakeKind::kTable ? "table" : "view";
  }
  return out;
}

bool DatabaseHooks::drop_relation(const std::string& database, const std::string& schema,
                                  const std::string& identifier) {
  if (!lake_ || !lake_->holds({database, schema, identifier})) return false;
  std::lock_guard lock(mutex_);
  return lake_->drop(con(), {database, schema, identifier}, "adapter.drop_relation");
}

std::vector<compile::ColumnInfo> DatabaseHooks::columns(const std::string& database,
                                                        const std::string& schema,
                                                        const std::string& identifier) {
  std::string sql = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = " +
                    quote_literal(schema) + " AND table_name = " + quote_literal(identifier);
  if (!database.empty()) sql += " AND table_catalog = " + quote_literal(database);
  sql += " ORDER BY ordinal_position";
  std::lock_guard lock(mutex_);
  std::vector<compile::ColumnInfo> out;
  for (auto& row : con().query(sql).rows_as_text()) out.push_back({row[0].value_or(""), row[1].value_or("")});
  return out;
}

compile::QueryResult DatabaseHooks::run_query(const std::string& sql) {
  std::lock_guard lock(mutex_);
  engine::Result r = con().query(sql);
  compile::QueryResult out;
  for (std::size_t c = 0; c < r.column_count(); ++c) {
    out.columns.push_back(r.column_name(c));
    out.types.push_back(r.column_type(c).name);
  }
  out.rows_affected = r.rows_changed();
  out.rows = r.rows_as_text();
  return out;
}

}  // namespace pond::dbt
