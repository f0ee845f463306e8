#include "project/graph.hpp"

#include <algorithm>
#include <queue>

#include "common/error.hpp"
#include "project/manifest.hpp"

namespace pond::project {

Graph::Graph(const Manifest& manifest)
    : manifest_(manifest), parents_(manifest.nodes.size()), children_(manifest.nodes.size()) {
  for (std::size_t i = 0; i < manifest.nodes.size(); ++i) {
    for (const auto& dep : manifest.nodes[i].depends_on_nodes) {
      auto p = manifest.index_of(dep);
      if (!p) continue;
      parents_[i].push_back(*p);
      children_[*p].push_back(i);
    }
  }
  for (auto& c : children_) std::sort(c.begin(), c.end());
}

std::vector<std::size_t> Graph::find_cycle() const {
  // Iterative DFS over parent edges (so the path reads in ref() order: a refs b refs a);
  // the stack holds the current path.
  enum : char { kWhite, kGrey, kBlack };
  std::vector<char> colour(size(), kWhite);
  std::vector<std::pair<std::size_t, std::size_t>> stack;  // node, next child position
  for (std::size_t root = 0; root < size(); ++root) {
    if (colour[root] != kWhite) continue;
    stack.push_back({root, 0});
    colour[root] = kGrey;
    while (!stack.empty()) {
      auto& [node, pos] = stack.back();
      if (pos < parents_[node].size()) {
        std::size_t child = parents_[node][pos++];
        if (colour[child] == kGrey) {
          std::vector<std::size_t> cycle;
          auto it = std::find_if(stack.begin(), stack.end(), [&](const auto& e) { return e.first == child; });
          for (; it != stack.end(); ++it) cycle.push_back(it->first);
          cycle.push_back(child);
          return cycle;
        }
        if (colour[child] == kWhite) {
          colour[child] = kGrey;
          stack.push_back({child, 0});
        }
      } else {
        colour[node] = kBlack;
        stack.pop_back();
      }
    }
  }
  return {};
}

std::vector<std::size_t> Graph::topological_order() const {
  std::vector<std::size_t> indegree(size());
  for (std::size_t i = 0; i < size(); ++i) indegree[i] = parents_[i].size();
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < size(); ++i)
    if (indegree[i] == 0) ready.push(i);
  std::vector<std::size_t> order;
  order.reserve(size());
  while (!ready.empty()) {
    std::size_t n = ready.top();
    ready.pop();
    order.push_back(n);
    for (std::size_t c : children_[n])
      if (--indegree[c] == 0) ready.push(c);
  }
  if (order.size() != size()) check_acyclic(manifest_, *this);
  return order;
}

std::vector<std::size_t> Graph::walk(const std::vector<std::size_t>& from, int depth, bool up) const {
  std::vector<int> dist(size(), -1);
  std::vector<std::size_t> frontier;
  for (std::size_t f : from) {
    if (dist[f] == 0) continue;
    dist[f] = 0;
    frontier.push_back(f);
  }
  std::vector<std::size_t> out;
  int level = 0;
  while (!frontier.empty() && (depth < 0 || level < depth)) {
    ++level;
    std::vector<std::size_t> next;
    for (std::size_t n : frontier) {
      for (std::size_t m : up ? parents_[n] : children_[n]) {
        if (dist[m] != -1) continue;
        dist[m] = level;
        next.push_back(m);
        out.push_back(m);
      }
    }
    frontier = std::move(next);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::size_t> Graph::ancestors(const std::vector<std::size_t>& from, int depth) const {
  return walk(from, depth, true);
}

std::vector<std::size_t> Graph::descendants(const std::vector<std::size_t>& from, int depth) const {
  return walk(from, depth, false);
}

void check_acyclic(const Manifest& manifest, const Graph& graph) {
  std::vector<std::size_t> cycle = graph.find_cycle();
  if (cycle.empty()) return;
  std::string path;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    if (i) path += " -> ";
    path += manifest.nodes[cycle[i]].unique_id;
  }
  std::string files;
  for (std::size_t i = 0; i + 1 < cycle.size(); ++i)
    files += "\n    " + manifest.nodes[cycle[i]].original_file_path;
  const Node& first = manifest.nodes[cycle.front()];
  throw UserError(SourceLocation{first.original_file_path}, "found a cycle: " + path,
                  "remove one of these ref() calls to break the cycle:" + files);
}

}  // namespace pond::project
