#pragma once
// dbt's semantic layer and groups in schema YAML: `semantic_models:`, `metrics:` and
// `saved_queries:` (graph members without SQL, Node with `definition`) and `groups:`. Parsed
// with dbt's checks of required keys and allowed values (semantic_yaml.cpp), then resolved
// against the manifest once refs are (semantic_resolve.cpp): a semantic model's `model:`, a
// metric's measures and input metrics, a saved query's metrics, `group:` configs and model access.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "project/node.hpp"

namespace pond::project {

class YamlNode;
class YamlTree;
struct Manifest;

// A `groups:` entry (dbt's Group): nodes name it in their `group:` config.
struct Group {
  std::string unique_id;  // group.<package>.<name>
  std::string name;
  std::string package_name;
  std::string path;
  std::string original_file_path;
  std::string description;
  nlohmann::json owner = nlohmann::json::object();  // name and/or email
  nlohmann::json config = nlohmann::json::object();
  int line = 0;
};

// Where a definition and the names it refers to were written, for errors raised after the
// definition became a node (file:line:col of the entry, and of each reference).
struct DefinitionMarks {
  std::string original_file_path;
  int line = 0;
  int column = 0;
  std::map<std::string, std::pair<int, int>> at;  // "measure:x", "metric:x", "group" -> line, column
};

// A parsed semantic model, metric or saved query.
struct Definition {
  Node node;
  DefinitionMarks marks;
};

// The schema file being read: for names and fqns of what it defines.
struct SchemaScope {
  const YamlTree& file;
  const std::string& package;
  const std::string& original_file_path;
  const std::string& path;              // relative to the resource folder
  std::vector<std::string> fqn_prefix;  // [package, folders...]
};

void parse_semantic_models(const YamlNode& list, const SchemaScope& scope, std::vector<Definition>& out);
void parse_metrics(const YamlNode& list, const SchemaScope& scope, std::vector<Definition>& out);
void parse_saved_queries(const YamlNode& list, const SchemaScope& scope, std::vector<Definition>& out);
void parse_groups(const YamlNode& list, const SchemaScope& scope, std::vector<Group>& out);

// Marks by unique_id, kept by the loader while the nodes move into the manifest.
using DefinitionMarksById = std::unordered_map<std::string, DefinitionMarks>;

// After refs resolved (a semantic model's ref is a RefCall): fills node_relation, each metric's
// input_measures and depends_on (semantic models, input metrics), each saved query's
// depends_on (metrics). Unknown or disabled names are a UserError at their YAML line, with a
// did-you-mean.
void resolve_semantic_layer(Manifest& manifest, const DefinitionMarksById& marks);

// `group:` configs name a declared group, `access:` is private/protected/public, a private
// model has a group and is referred to only from its group, a protected model only from its
// package (dbt's parse-time checks). Errors at the node's file.
void check_groups_and_access(const Manifest& manifest, const DefinitionMarksById& marks);

}  // namespace pond::project
