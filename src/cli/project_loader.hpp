#pragma once
// Shared by the commands that read a whole dbt project (parse, ls, compile): find the project
// and target, parse it into a Manifest and Graph, and evaluate selection flags.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "project/graph.hpp"
#include "project/manifest.hpp"
#include "project/select.hpp"

namespace pond::cli {

// A parsed project. `graph` refers to `manifest`, so the struct is not copied or moved.
struct LoadedProject {
  ResolvedProject resolved;
  project::Manifest manifest;
  std::unique_ptr<project::Graph> graph;
};

std::unique_ptr<LoadedProject> load_project(const GlobalOptions& options, const std::string& vars_text);

// Selected node indexes (ascending unique_id order).
std::vector<std::size_t> select(const LoadedProject& project, const SelectionFlags& flags);

// "Found 3 models, 2 seeds, ..." as dbt prints it.
std::string summary(const project::Manifest& manifest);

}  // namespace pond::cli
