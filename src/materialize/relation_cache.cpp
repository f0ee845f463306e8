#include "materialize/relation_cache.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "common/text.hpp"
#include "engine/connection.hpp"

namespace pond::materialize {

namespace {}  // namespace

std::string RelationCache::key(const Relation& rel, bool with_identifier) const {
  // DuckDB resolves names case-insensitively, so the cache does too.
  std::string k =
      to_lower(rel.database.empty() ? default_database_ : rel.database) + "\x1f" + to_lower(rel.schema);
  if (with_identifier) k += "\x1f" + to_lower(rel.identifier);
  return k;
}

void RelationCache::load(engine::Connection& con) {
  auto rows = con.query(
                     "SELECT current_database(), NULL, NULL, NULL UNION ALL "
                     "SELECT database_name, schema_name, NULL, NULL FROM duckdb_schemas() UNION ALL "
                     "SELECT database_name, schema_name, table_name, 'table' FROM duckdb_tables() WHERE NOT "
                     "temporary "
                     "UNION ALL SELECT database_name, schema_name, view_name, 'view' FROM duckdb_views() "
                     "WHERE NOT internal AND NOT temporary")
                  .rows_as_text();
  std::unique_lock lock(mutex_);
  relations_.clear();
  schemas_.clear();
  for (const auto& r : rows) {
    if (!r[1]) {
      default_database_ = r[0].value_or("");
      continue;
    }
    Relation rel{*r[0], *r[1], r[2].value_or("")};
    if (!r[2]) {
      schemas_.insert(key(rel, false));
    } else {
      relations_[key(rel, true)] = *r[3] == "view" ? RelationKind::kView : RelationKind::kTable;
    }
  }
  loaded_ = true;
}

bool RelationCache::loaded() const {
  std::shared_lock lock(mutex_);
  return loaded_;
}

std::optional<RelationKind> RelationCache::kind(const Relation& rel) const {
  std::shared_lock lock(mutex_);
  if (!loaded_) return std::nullopt;
  auto it = relations_.find(key(rel, true));
  return it == relations_.end() ? RelationKind::kNone : it->second;
}

std::optional<bool> RelationCache::has_schema(const Relation& rel) const {
  std::shared_lock lock(mutex_);
  if (!loaded_) return std::nullopt;
  return schemas_.count(key(rel, false)) > 0;
}

void RelationCache::set(const Relation& rel, RelationKind kind) {
  std::unique_lock lock(mutex_);
  if (!loaded_) return;
  if (kind == RelationKind::kNone)
    relations_.erase(key(rel, true));
  else
    relations_[key(rel, true)] = kind;
}

void RelationCache::add_schema(const Relation& rel) {
  std::unique_lock lock(mutex_);
  if (loaded_) schemas_.insert(key(rel, false));
}

}  // namespace pond::materialize
