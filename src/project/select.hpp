#pragma once
// Evaluates dbt selection (selector.hpp) over a manifest: methods, graph operators,
// union/intersection/exclusion, indirect selection of tests and the --resource-type filter.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "project/graph.hpp"
#include "project/manifest.hpp"
#include "project/selector.hpp"

namespace pond::project {

// A previous run's artifacts (`--state DIR`): its manifest for state:, run_results for result:.
struct PreviousState {
  std::filesystem::path dir;
  bool has_manifest = false;
  bool has_results = false;
  std::unordered_map<std::string, nlohmann::json> nodes;  // unique_id -> node JSON
  std::unordered_map<std::string, std::string> results;   // unique_id -> status

  // Throws UserError when DIR has neither manifest.json nor run_results.json.
  static PreviousState load(const std::filesystem::path& dir);
};

// What the user asked for (the flags of ls/compile/run/build).
struct SelectionRequest {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::optional<std::string> selector;              // --selector NAME (selectors.yml)
  std::vector<std::string> resource_types;          // --resource-type; empty: all
  std::string indirect_selection = "eager";         // eager, cautious, buildable, empty
  std::vector<std::string> exclude_resource_types;  // --exclude-resource-type
};

// Everything a selection can look at.
struct SelectionContext {
  const Manifest& manifest;
  const Graph& graph;
  const std::map<std::string, NamedSelector>* selectors = nullptr;
  const PreviousState* state = nullptr;
};

// Indexes into manifest.nodes, ascending. Throws UserError for unknown selectors, unknown
// resource types, or state:/result: without --state.
std::vector<std::size_t> select_nodes(const SelectionContext& context, const SelectionRequest& request);

// The nodes one criterion matches before graph operators (exposed for tests).
std::vector<std::size_t> match_criterion(const SelectionContext& context,
                                         const SelectionCriterion& criterion);

}  // namespace pond::project
