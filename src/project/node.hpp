#pragma once
// The parsed project's value types: every node of the graph (models, seeds, snapshots, tests,
// analyses, sources, exposures) is one `Node`; macros are kept apart because they are not in
// the graph. Field names follow dbt's manifest (schema v12) so the manifest writer and the
// executor can use them without translation.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::project {

// Unit tests and the semantic layer (metrics, semantic models, saved queries) are graph members
// as in dbt: selectable, listed, in parent_map/child_map, but with no SQL of their own.
enum class ResourceType {
  kModel,
  kSeed,
  kSnapshot,
  kTest,
  kAnalysis,
  kSource,
  kExposure,
  kMacro,
  kUnitTest,
  kMetric,
  kSemanticModel,
  kSavedQuery,
};
inline constexpr std::size_t kResourceTypeCount = 12;

std::string_view to_string(ResourceType type);
std::optional<ResourceType> parse_resource_type(std::string_view text);
// The resource types dbt knows, as written (for errors and did-you-mean).
const std::vector<std::string>& resource_type_names();
// Graph members without SQL to compile or relation to build: sources, exposures, unit tests
// (run from Manifest::unit_tests), metrics, semantic models and saved queries.
bool is_definition_only(ResourceType type);

// A `ref('name')` / `ref('package', 'name')` call and where it was written.
struct RefCall {
  std::string package;  // empty: any package (the current one first)
  std::string name;
  int line = 0;
};

// A `source('source_name', 'table_name')` call and where it was written.
struct SourceCall {
  std::string source;
  std::string table;
  int line = 0;
};

// One documented column (schema YAML `columns:`).
struct Column {
  std::string name;
  std::string description;
  std::string data_type;
  nlohmann::json meta = nlohmann::json::object();
  std::vector<std::string> tags;
  nlohmann::json constraints = nlohmann::json::array();
};

// Which parts of a relation name are quoted (dbt's quote policy: all by default, then the
// project's `quoting:`, then the node's `quoting` config).
struct QuotePolicy {
  bool database = true;
  bool schema = true;
  bool identifier = true;
};

// What a generic test was generated from (dbt's `test_metadata`).
struct TestMetadata {
  std::string name;        // not_null, unique, accepted_values, relationships, or a custom test
  std::string namespace_;  // package of a namespaced test (`dbt_utils.expression_is_true`), else ""
  nlohmann::json kwargs = nlohmann::json::object();
};

// A node of the project graph. `config` holds the config set for this node (dbt_project.yml
// tree, schema YAML, config() in the file, merged with dbt's rules; dbt's keys such as
// "materialized", "pre-hook") but not dbt's defaults, which are shared per resource type:
// read a key with config_value() and the whole config with full_config().
// `depends_on_nodes` holds unique_ids, filled when refs resolve.
struct Node {
  std::string unique_id;  // "<resource_type>.<package>.<name>[.<hash>]"
  ResourceType resource_type = ResourceType::kModel;
  std::string package_name;
  std::string name;
  std::vector<std::string> fqn;
  std::string path;                // relative to the resource's path folder (models/ ...)
  std::string original_file_path;  // relative to the project root
  std::string patch_path;          // schema YAML file that documented it ("pkg://models/x.yml")
  std::string raw_code;
  std::string language = "sql";
  std::string checksum;  // sha256 of the file's contents (dbt's "sha256" checksum)
  std::string description;

  nlohmann::json config = nlohmann::json::object();
  nlohmann::json unrendered_config = nlohmann::json::object();
  std::vector<std::string> tags;  // == config["tags"] merged with YAML tags
  nlohmann::json meta = nlohmann::json::object();
  std::vector<Column> columns;

  // Relation it builds or reads (filled from the target and config).
  std::string database;
  std::string schema;
  std::string alias;
  std::string relation_name;  // "db"."schema"."alias"; empty for ephemeral/tests
  QuotePolicy quoting;        // how relation_name and ref()/this render the parts

  std::vector<RefCall> refs;
  std::vector<SourceCall> sources;
  std::vector<std::string> depends_on_macros;  // macro unique_ids
  std::vector<std::string> depends_on_nodes;   // node unique_ids (resolved)
  std::vector<std::string> unresolved_calls;   // called names that are no macro (var, x.get, ...)
  bool needs_rendering = false;                // calls dbt can only know by rendering Jinja

  // Tests.
  std::optional<TestMetadata> test_metadata;
  std::string column_name;
  std::string attached_node;

  // Sources.
  std::string source_name;
  std::string source_description;
  std::string identifier;
  std::string loader;
  std::string loaded_at_field;
  nlohmann::json freshness;  // null when not set
  nlohmann::json external;   // null when not set

  // Exposures.
  nlohmann::json exposure;  // type, owner, url, maturity, label (as written)

  // Unit tests, metrics, semantic models, saved queries: the members of their manifest entry
  // besides the common ones (name, unique_id, fqn, paths, config, depends_on, ...).
  nlohmann::json definition;  // null for the other types

  // Compilation.
  bool compiled = false;
  std::string compiled_code;
  std::string compiled_path;

  bool is_enabled() const;
  std::string materialized() const;
  // The value of a config key: set for this node, else dbt's default (nullptr when neither).
  const nlohmann::json* config_value(std::string_view key) const;
  nlohmann::json full_config() const;     // defaults merged with `config`
  int line_of(std::size_t offset) const;  // 1-based line of a byte offset into raw_code
};

// A `{% macro %}` (or `{% test %}`, stored as macro `test_<name>`) definition.
struct Macro {
  std::string unique_id;  // "macro.<package>.<name>"
  std::string name;
  std::string package_name;
  std::string path;
  std::string original_file_path;
  std::string macro_sql;  // the whole {% macro %} ... {% endmacro %} block
  std::string description;
  std::vector<std::string> arguments;
  std::vector<std::string> depends_on_macros;
  std::vector<std::string> unresolved_calls;  // called names that are no macro
  // Whether its body calls ref()/source()/config() (or config() with arguments only rendering
  // knows): a node calling it is rendered at parse time.
  bool records_calls = false;
  int line = 0;
};

// A `{% docs name %}` block, referenced by `doc('name')` in descriptions.
struct DocBlock {
  std::string unique_id;  // "doc.<package>.<name>"
  std::string name;
  std::string package_name;
  std::string original_file_path;
  std::string block_contents;
};

}  // namespace pond::project
