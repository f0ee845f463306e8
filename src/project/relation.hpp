#pragma once
// Where a node lives: dbt's default generate_database_name / generate_schema_name /
// generate_alias_name, and the quoted relation name. (A project that overrides those macros
// is handled by the compiler, which renders them and calls set_relation.)
#include <string>

#include "project/manifest.hpp"
#include "project/node.hpp"

namespace pond::project {

// Fills database, schema, alias and relation_name from the config and the target.
void assign_relation(Node& node, const TargetInfo& target);

// Sets the three parts and recomputes relation_name (quoted "db"."schema"."alias").
void set_relation(Node& node, std::string database, std::string schema, std::string alias);

// "a" with embedded quotes doubled, as DuckDB quotes identifiers.
std::string quote_identifier(const std::string& name);

}  // namespace pond::project
