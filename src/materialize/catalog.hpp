#pragma once
// What `pond docs generate` records in catalog.json: the tables and views that exist for a set
// of relations, with their columns, as DuckDB's catalog reports them (dbt-duckdb's get_catalog).
#include <optional>
#include <string>
#include <vector>

#include "materialize/relation.hpp"

namespace pond::engine {
class Connection;
}

namespace pond::materialize {

// One column of a catalog entry; `index` is 1-based, `comment` empty when none.
struct CatalogColumn {
  std::string name;
  std::string type;
  int index = 0;
  std::string comment;
};

// One relation that exists: `type` is "BASE TABLE" or "VIEW" (information_schema's spelling).
struct CatalogEntry {
  Relation relation;  // database/schema/identifier as the database spells them
  std::string type;
  std::string comment;
  std::vector<CatalogColumn> columns;
};

// Looks up each of `relations` (an empty database means the connection's default one); the
// result has one entry per relation in the same order, nullopt when it does not exist. Names
// match case-insensitively, as DuckDB resolves identifiers. One catalog query per call.
std::vector<std::optional<CatalogEntry>> read_catalog(engine::Connection& con,
                                                      const std::vector<Relation>& relations);

}  // namespace pond::materialize
