#pragma once
// The dependency graph over `Manifest::nodes` (by index): an edge parent -> child for every
// entry of a node's depends_on.nodes. Tests, sources and exposures are members, as in dbt.
#include <cstddef>
#include <string>
#include <vector>

namespace pond::project {

struct Manifest;

class Graph {
 public:
  explicit Graph(const Manifest& manifest);

  std::size_t size() const { return parents_.size(); }
  const std::vector<std::size_t>& parents(std::size_t node) const { return parents_[node]; }
  const std::vector<std::size_t>& children(std::size_t node) const { return children_[node]; }

  // A cycle as a path of node indexes (first == last), or empty when the graph is a DAG.
  std::vector<std::size_t> find_cycle() const;
  // Parents before children; ties in index (unique_id) order. Throws UserError on a cycle.
  std::vector<std::size_t> topological_order() const;

  // Nodes reachable upwards/downwards within `depth` steps (< 0: unlimited), `from` excluded.
  std::vector<std::size_t> ancestors(const std::vector<std::size_t>& from, int depth = -1) const;
  std::vector<std::size_t> descendants(const std::vector<std::size_t>& from, int depth = -1) const;

 private:
  std::vector<std::size_t> walk(const std::vector<std::size_t>& from, int depth, bool up) const;
  const Manifest& manifest_;
  std::vector<std::vector<std::size_t>> parents_;
  std::vector<std::vector<std::size_t>> children_;
};

// Throws UserError "found a cycle: a -> b -> a" (with the files) when `graph` has one.
void check_acyclic(const Manifest& manifest, const Graph& graph);

}  // namespace pond::project
