#pragma once
// Turning a node's ref()/source() calls and macro calls into unique_ids, with dbt's errors
// (file, line, did-you-mean) for names that do not exist or are disabled. Used by the loader
// and again by the compiler after rendering finds calls static analysis could not.
#include <string>
#include <vector>

#include "project/manifest.hpp"

namespace pond::project {

// Sets node.depends_on_nodes from node.refs and node.sources (and macro calls to ids).
void resolve_node_dependencies(const Manifest& manifest, Node& node);

// Called names ("my_macro", "pkg.macro") -> macro unique_ids: the calling package's macros,
// then the root project's, then dbt's built-ins pond provides; unknown names (Jinja globals,
// filters) are dropped, or listed in `unresolved` when given.
std::vector<std::string> resolve_macro_calls(const Manifest& manifest, const std::vector<std::string>& calls,
                                             const std::string& package = {},
                                             std::vector<std::string>* unresolved = nullptr);

}  // namespace pond::project
