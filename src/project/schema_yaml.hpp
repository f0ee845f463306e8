#pragma once
// Schema YAML files (`models:`, `seeds:`, `snapshots:`, `analyses:`, `sources:`, `macros:`,
// `exposures:`, `unit_tests:`, and the semantic layer's keys, semantic_layer.hpp): what they say about nodes
// defined elsewhere (patches), the sources and exposures they define, and the generic tests they declare.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "project/node.hpp"
#include "project/semantic_layer.hpp"
#include "project/unit_test.hpp"

namespace pond::project {

class YamlTree;

// One entry of `data_tests:` / `tests:` as written, before it becomes a test node.
struct TestSpec {
  std::string test_name;    // "not_null", "accepted_values", "dbt_utils.expression_is_true"
  std::string custom_name;  // `name:` given by the user, else ""
  nlohmann::json args = nlohmann::json::object();    // test arguments (without config keys)
  nlohmann::json config = nlohmann::json::object();  // severity, where, tags, ...
  std::string column_name;                           // "" for a model-level test
  std::string description;
  int line = 0;
  int column = 0;
};

// What a YAML entry under models:/seeds:/snapshots:/analyses: says about a node.
struct NodePatch {
  ResourceType type = ResourceType::kModel;
  std::string name;
  std::string description;
  nlohmann::json config = nlohmann::json::object();
  nlohmann::json meta = nlohmann::json::object();
  std::vector<std::string> tags;
  nlohmann::json docs;  // null when absent
  std::vector<Column> columns;
  std::vector<TestSpec> tests;
  int line = 0;
  int column = 0;
};

// A `macros:` entry (documentation of a macro).
struct MacroPatch {
  std::string name;
  std::string description;
  std::vector<std::string> arguments;
};

// A source table with the tests declared on it (tests become nodes later).
struct SourceEntry {
  Node node;
  std::vector<TestSpec> tests;
};

// Everything one schema file declares. Paths are relative to the project root.
struct SchemaFile {
  std::string package;             // package that holds the file (set by the loader)
  std::string original_file_path;  // "models/staging/schema.yml"
  std::string path;                // relative to its resource folder ("staging/schema.yml")
  std::vector<NodePatch> patches;
  std::vector<SourceEntry> sources;
  std::vector<Node> exposures;
  std::vector<MacroPatch> macros;
  std::vector<UnitTest> unit_tests;
  std::vector<Definition> definitions;  // semantic models, metrics, saved queries
  std::vector<Group> groups;
};

// Parses one schema file of `package`. Structural errors throw UserError at file:line:col.
SchemaFile parse_schema_file(const YamlTree& file, const std::string& package,
                             const std::string& original_file_path, const std::string& path);

}  // namespace pond::project
