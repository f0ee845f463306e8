#pragma once
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "materialize/relation.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::materialize {

enum class RelationKind { kNone, kTable, kView };

// What exists in the database, read once per run and kept up to date by the materializations
// (dbt's relation cache): with it a model's build costs no catalog queries. Thread-safe.
// Without load() every lookup answers "unknown" and the session asks DuckDB.
class RelationCache {
 public:
  // Reads every schema, table and view of the attached databases in one query.
  void load(engine::Connection& con);
  bool loaded() const;

  std::optional<RelationKind> kind(const Relation& rel) const;  // nullopt: not loaded
  std::optional<bool> has_schema(const Relation& rel) const;
  void set(const Relation& rel, RelationKind kind);
  void add_schema(const Relation& rel);

 private:
  std::string key(const Relation& rel, bool with_identifier) const;
  mutable std::shared_mutex mutex_;
  bool loaded_ = false;
  std::string default_database_;
  std::unordered_map<std::string, RelationKind> relations_;
  std::set<std::string> schemas_;
};

}  // namespace pond::materialize
