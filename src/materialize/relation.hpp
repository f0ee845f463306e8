#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/text.hpp"  // quote_identifier, quote_literal

namespace pond::materialize {

// A database object as dbt names it: database (catalog), schema, identifier.
// An empty database means the connection's default catalog.
struct Relation {
  std::string database;
  std::string schema;
  std::string identifier;

  // "db"."schema"."identifier" (parts that are empty are left out).
  std::string render() const;
  // "db"."schema" (or "schema").
  std::string render_schema() const;
  // The same relation with another identifier (temp/backup relations).
  Relation with_identifier(std::string id) const;
  // schema.identifier as dbt prints it in progress lines.
  std::string display() const;
};

// A column of an existing relation, as DuckDB reports it.
struct Column {
  std::string name;
  std::string type;  // DuckDB's spelling: INTEGER, DECIMAL(10,2), VARCHAR[]...
};

// Quoted, comma-separated identifiers.
std::string quoted_csv(const std::vector<std::string>& names);
std::vector<std::string> column_names(const std::vector<Column>& columns);

}  // namespace pond::materialize
