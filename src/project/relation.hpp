#pragma once
// Where a node lives: dbt's default generate_database_name / generate_schema_name /
// generate_alias_name, and the quoted relation name. (A project that overrides those macros
// is handled by the compiler, which renders them and calls set_relation.)
#include <optional>
#include <string>

#include "common/text.hpp"  // quote_identifier
#include "project/manifest.hpp"
#include "project/node.hpp"

namespace pond::project {

// Fills database, schema, alias, quoting and relation_name from the config, the target and the
// project's `quoting:` mapping.
void assign_relation(Node& node, const TargetInfo& target, const nlohmann::json& project_quoting);

// Sets the three parts and quoting, and recomputes relation_name ("db"."schema".alias as the
// quote policy says).
void set_relation(Node& node, std::string database, std::string schema, std::string alias,
                  const nlohmann::json& project_quoting);

// dbt's quote policy of a node: all quoted < the project's `quoting:` < the node's `quoting`.
QuotePolicy quote_policy(const Node& node, const nlohmann::json& project_quoting);

// database.schema.identifier with the parts the policy says quoted; empty parts left out.
std::string render_relation(const std::string& database, const std::string& schema,
                            const std::string& identifier, QuotePolicy policy);

// dbt-duckdb's external_location of a source (meta or config), formatted with the source's
// fields ({name}, {identifier}, {schema}, {database}, meta keys; `formatter:` newstyle, oldstyle
// or template) and single-quoted unless it is a function call or already quoted; empty when
// the source has none.
std::string external_location(const Node& source);

// A source whose external_location is `delta_scan('PATH')` (DuckDB's delta extension, as
// dbt-duckdb projects write it) reads the Delta table at PATH through pond's own Delta reader:
// PATH, or nullopt for any other source.
std::optional<std::string> delta_scan_path(const Node& source);
// The view a run creates for such a source (schema pond_delta), which its relation names.
std::string delta_source_view(const Node& source);

}  // namespace pond::project
