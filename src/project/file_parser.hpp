#pragma once
// Parses one discovered file into nodes, macros, doc blocks or a schema file. Pure function
// of the file, so files are parsed in parallel.
#include <optional>
#include <vector>

#include "project/discovery.hpp"
#include "project/node.hpp"
#include "project/schema_yaml.hpp"

namespace pond::project {

// What one file contributed. Nodes carry their in-file `config()` literals in
// `unrendered_config` and the names they call in `depends_on_macros` until resolution.
struct FileResult {
  std::vector<Node> nodes;
  std::vector<Macro> macros;
  std::vector<DocBlock> docs;
  std::optional<SchemaFile> schema;
};

FileResult parse_project_file(const ProjectSourceFile& file, const std::string& package);

}  // namespace pond::project
