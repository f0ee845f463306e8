#include "orchestrate/select.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/text.hpp"
#include "project/select.hpp"
#include "project/selector.hpp"

namespace pond::orchestrate {

namespace {

using project::SelectionCriterion;
using project::SelectionSpec;
using Set = std::vector<char>;

bool glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

class Evaluator {
 public:
  explicit Evaluator(const AssetGraph& g) : g_(g), n_(g.size()) {
    if (g.manifest()) selectors_ = project::load_selectors(g.manifest()->project.root);
  }

  Set eval(const SelectionSpec& spec, int depth = 0) {
    if (depth > 32) throw UserError("selectors refer to each other in a loop");
    switch (spec.kind) {
      case SelectionSpec::Kind::kCriterion:
        return criterion(spec.criterion, depth);
      case SelectionSpec::Kind::kUnion: {
        Set out(n_, 0);
        for (const auto& c : spec.children) {
          Set s = eval(c, depth);
          for (std::size_t i = 0; i < n_; ++i) out[i] |= s[i];
        }
        return out;
      }
      case SelectionSpec::Kind::kIntersection: {
        Set out(n_, spec.children.empty() ? 0 : 1);
        for (const auto& c : spec.children) {
          Set s = eval(c, depth);
          for (std::size_t i = 0; i < n_; ++i) out[i] &= s[i];
        }
        return out;
      }
      case SelectionSpec::Kind::kDifference: {
        Set out = eval(spec.children.at(0), depth);
        for (std::size_t k = 1; k < spec.children.size(); ++k) {
          Set s = eval(spec.children[k], depth);
          for (std::size_t i = 0; i < n_; ++i)
            if (s[i]) out[i] = 0;
        }
        return out;
      }
    }
    return Set(n_, 0);
  }

 private:
  Set criterion(const SelectionCriterion& c, int depth) {
    Set out = base(c, depth);
    std::vector<std::size_t> found;
    for (std::size_t i = 0; i < n_; ++i)
      if (out[i]) found.push_back(i);
    if (c.childrens_parents) {
      std::vector<std::size_t> down = g_.descendants(found);
      std::vector<std::size_t> all = found;
      all.insert(all.end(), down.begin(), down.end());
      for (std::size_t i : down) out[i] = 1;
      for (std::size_t i : g_.ancestors(all)) out[i] = 1;
      return out;
    }
    if (c.parents)
      for (std::size_t i : g_.ancestors(found, c.parents_depth)) out[i] = 1;
    if (c.children)
      for (std::size_t i : g_.descendants(found, c.children_depth)) out[i] = 1;
    return out;
  }

  Set base(const SelectionCriterion& c, int depth) {
    Set out(n_, 0);
    if (c.method == "selector") {
      auto it = selectors_.find(c.value);
      if (it == selectors_.end()) {
        std::vector<std::string> names;
        for (const auto& [k, v] : selectors_) names.push_back(k);
        std::string guess = closest_match(c.value, names);
        throw UserError("no selector named '" + c.value + "' in selectors.yml",
                        guess.empty() ? "define it under 'selectors:' in selectors.yml"
                                      : "did you mean '" + guess + "'?");
      }
      return eval(it->second.definition, depth + 1);
    }
    // dbt nodes, as dbt matches them (command-only methods match no dbt node).
    bool command_only = c.method == "resource_type" && (c.value == "command" || c.value == "ingest");
    if (g_.manifest() && !command_only) {
      project::SelectionContext ctx{*g_.manifest(), *g_.dbt_graph(), &selectors_, nullptr};
      for (std::size_t m : project::match_criterion(ctx, c))
        if (auto a = g_.of_dbt_node(m)) out[*a] = 1;
    }
    for (std::size_t i = 0; i < n_; ++i) {
      const AssetNode& a = g_.node(i);
      if (a.kind != AssetKind::kCommand && a.kind != AssetKind::kIngest) continue;
      if (matches_command(a, c)) out[i] = 1;
    }
    return out;
  }

  static bool matches_command(const AssetNode& a, const SelectionCriterion& c) {
    const std::string& v = c.value;
    if (c.method == "fqn") return glob(v, a.name);
    if (c.method == "tag")
      return std::any_of(a.tags.begin(), a.tags.end(), [&](const auto& t) { return glob(v, t); });
    if (c.method == "group") return glob(v, a.group);
    if (c.method == "resource_type") return v == (a.kind == AssetKind::kIngest ? "ingest" : "command");
    if (c.method == "path" || c.method == "file") {
      for (const auto& f : a.files)
        if (glob(v, f) || f == v || f.rfind(v + "/", 0) == 0) return true;
      return false;
    }
    return false;
  }

  const AssetGraph& g_;
  std::size_t n_;
  std::map<std::string, project::NamedSelector> selectors_;
};

}  // namespace

std::vector<std::size_t> select_assets(const AssetGraph& graph, const std::vector<std::string>& select,
                                       const std::vector<std::string>& exclude) {
  Evaluator ev(graph);
  Set chosen(graph.size(), select.empty() ? 1 : 0);
  if (!select.empty()) chosen = ev.eval(project::parse_selection(select));
  if (!exclude.empty()) {
    Set out = ev.eval(project::parse_selection(exclude));
    for (std::size_t i = 0; i < chosen.size(); ++i)
      if (out[i]) chosen[i] = 0;
  }
  std::vector<std::size_t> result;
  for (std::size_t i = 0; i < chosen.size(); ++i)
    if (chosen[i]) result.push_back(i);
  return result;
}

}  // namespace pond::orchestrate
