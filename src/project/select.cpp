#include "project/select.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <fstream>

#include "common/error.hpp"
#include "common/text.hpp"

namespace pond::project {

namespace {

using nlohmann::json;
using Set = std::vector<char>;  // membership by node index

bool glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool has_glob(const std::string& s) {
  return s.find_first_of("*?[") != std::string::npos;
}

// dbt's is_selected_node: the leaf name, or the fqn (dots split) matched part by part.
bool fqn_match(const std::vector<std::string>& fqn, const std::string& selector) {
  if (fqn.empty()) return false;
  if (glob(selector, fqn.back())) return true;
  std::vector<std::string> flat;
  for (const auto& seg : fqn)
    for (auto& p : split(seg, '.')) flat.push_back(p);
  std::vector<std::string> parts = split(selector, '.');
  if (parts.size() > flat.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "*") return true;
    if (!glob(parts[i], flat[i])) return false;
  }
  return true;
}

std::string basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool config_value_matches(const json& v, const std::string& want) {
  if (v.is_array()) {
    for (const auto& e : v)
      if (config_value_matches(e, want)) return true;
    return false;
  }
  if (v.is_string()) return glob(want, v.get<std::string>());
  if (v.is_boolean()) return to_lower(want) == (v.get<bool>() ? "true" : "false");
  if (v.is_null()) return to_lower(want) == "none" || to_lower(want) == "null";
  if (v.is_number()) return v.dump() == want;
  return false;
}

bool state_modified(const Node& n, const json& old, const std::string& sub) {
  auto str = [&](const char* k) {
    return old.contains(k) && old[k].is_string() ? old[k].get<std::string>() : "";
  };
  bool body = false;
  if (n.resource_type == ResourceType::kUnitTest) {
    body = str("checksum") != n.checksum;
  } else if (is_definition_only(n.resource_type) && n.definition.is_object()) {
    body = old.value("description", std::string()) != n.description;
    for (const auto& [k, v] : n.definition.items()) body = body || !old.contains(k) || old[k] != v;
  } else if (n.resource_type == ResourceType::kSource || n.resource_type == ResourceType::kExposure) {
    body = old.value("description", std::string()) != n.description;
  } else {
    std::string old_sum = old.contains("checksum") ? old["checksum"].value("checksum", std::string()) : "";
    body = old_sum != n.checksum;
  }
  bool configs = old.contains("unrendered_config") && old["unrendered_config"] != n.unrendered_config;
  if (n.resource_type == ResourceType::kSource)
    configs = old.contains("config") && old["config"] != n.full_config();
  bool relation = str("database") != n.database || str("schema") != n.schema ||
                  (old.contains("alias") && str("alias") != n.alias);
  if (is_definition_only(n.resource_type) && n.resource_type != ResourceType::kSource) relation = false;
  if (sub == "body") return body;
  if (sub == "configs") return configs;
  if (sub == "relation") return relation;
  return body || configs || relation;
}

class Evaluator {
 public:
  Evaluator(const SelectionContext& ctx) : ctx_(ctx), n_(ctx.manifest.nodes.size()) {}

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
        Set out(n_, 1);
        for (const auto& c : spec.children) {
          Set s = eval(c, depth);
          for (std::size_t i = 0; i < n_; ++i) out[i] &= s[i];
        }
        if (spec.children.empty()) std::fill(out.begin(), out.end(), 0);
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

  std::vector<std::size_t> base(const SelectionCriterion& c, int depth) {
    if (c.method == "selector") {
      if (!ctx_.selectors || !ctx_.selectors->count(c.value)) throw unknown_selector(c.value);
      Set s = eval(ctx_.selectors->at(c.value).definition, depth + 1);
      std::vector<std::size_t> out;
      for (std::size_t i = 0; i < n_; ++i)
        if (s[i]) out.push_back(i);
      return out;
    }
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < n_; ++i)
      if (matches(ctx_.manifest.nodes[i], c)) out.push_back(i);
    return out;
  }

  UserError unknown_selector(const std::string& name) const {
    std::vector<std::string> names;
    if (ctx_.selectors)
      for (const auto& [k, v] : *ctx_.selectors) names.push_back(k);
    std::string guess = closest_match(name, names);
    return UserError(
        "no selector named '" + name + "' in selectors.yml",
        guess.empty() ? "define it under 'selectors:' in selectors.yml" : "did you mean '" + guess + "'?");
  }

 private:
  Set criterion(const SelectionCriterion& c, int depth) {
    std::vector<std::size_t> found = base(c, depth);
    Set out(n_, 0);
    for (std::size_t i : found) out[i] = 1;
    const Graph& g = ctx_.graph;
    if (c.childrens_parents) {
      std::vector<std::size_t> down = g.descendants(found);
      std::vector<std::size_t> all = found;
      all.insert(all.end(), down.begin(), down.end());
      for (std::size_t i : down) out[i] = 1;
      for (std::size_t i : g.ancestors(all)) out[i] = 1;
      return out;
    }
    if (c.parents)
      for (std::size_t i : g.ancestors(found, c.parents_depth)) out[i] = 1;
    if (c.children)
      for (std::size_t i : g.descendants(found, c.children_depth)) out[i] = 1;
    return out;
  }

  bool matches(const Node& n, const SelectionCriterion& c) {
    const std::string& v = c.value;
    const std::string& m = c.method;
    if (m == "fqn") {
      return fqn_match(n.fqn, v) || (n.fqn.size() > 1 && fqn_match({n.fqn.begin() + 1, n.fqn.end()}, v));
    }
    if (m == "path") {
      std::string p = v;
      while (p.size() > 2 && p.rfind("./", 0) == 0) p = p.substr(2);
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      const std::string& f = n.original_file_path;
      if (f == p || f.rfind(p + "/", 0) == 0) return true;
      return has_glob(p) && glob(p, f);
    }
    if (m == "file") {
      std::string base_name = basename(n.original_file_path);
      std::string stem = base_name.substr(0, base_name.rfind('.'));
      return glob(v, base_name) || glob(v, stem);
    }
    if (m == "tag") {
      for (const auto& t : n.tags)
        if (glob(v, t)) return true;
      return false;
    }
    if (m.rfind("config.", 0) == 0) {
      std::vector<std::string> path = split(m.substr(7), '.');
      const json* cur = n.config_value(path[0]);
      if (!cur) return false;
      for (std::size_t k = 1; k < path.size(); ++k) {
        if (!cur->is_object() || !cur->contains(path[k])) return false;
        cur = &(*cur)[path[k]];
      }
      return config_value_matches(*cur, v);
    }
    if (m == "group") {  // dbt's groupable nodes: models, seeds, snapshots, tests, analyses, metrics
      if (is_definition_only(n.resource_type) && n.resource_type != ResourceType::kMetric) return false;
      const json* g = n.config_value("group");
      return g && g->is_string() && glob(v, g->get<std::string>());
    }
    if (m == "resource_type") {
      auto want = parse_resource_type(v);
      if (!want) throw UserError("unknown resource type '" + v + "' in '" + c.raw + "'");
      return n.resource_type == *want;
    }
    if (m == "source") {
      if (n.resource_type != ResourceType::kSource) return false;
      std::vector<std::string> parts = split(v, '.');
      if (parts.size() == 1) return glob(parts[0], n.source_name);
      if (parts.size() == 2)
        return (glob(parts[0], n.source_name) && glob(parts[1], n.name)) ||
               (glob(parts[0], n.package_name) && glob(parts[1], n.source_name));
      if (parts.size() == 3)
        return glob(parts[0], n.package_name) && glob(parts[1], n.source_name) && glob(parts[2], n.name);
      return false;
    }
    // exposure:, metric:, semantic_model:, saved_query:, unit_test: take NAME or PACKAGE.NAME.
    if (m == "exposure" || m == "metric" || m == "semantic_model" || m == "saved_query" || m == "unit_test") {
      if (to_string(n.resource_type) != m) return false;
      std::vector<std::string> parts = split(v, '.');
      if (parts.size() > 2)
        throw UserError("invalid " + m + " selector value '" + v + "' in '" + c.raw + "'",
                        "write " + m + ":NAME or " + m + ":PACKAGE.NAME");
      if (parts.size() == 1) return glob(parts[0], n.name);
      return glob(parts[0], n.package_name) && glob(parts[1], n.name);
    }
    if (m == "test_type") {
      bool generic = n.test_metadata.has_value();
      bool data = n.resource_type == ResourceType::kTest;
      if (v == "generic" || v == "schema") return data && generic;
      if (v == "singular") return data && !generic;
      if (v == "data") return data;  // dbt: generic and singular tests
      if (v == "unit") return n.resource_type == ResourceType::kUnitTest;
      throw UserError("unknown test_type '" + v + "'", "use generic, singular, data or unit");
    }
    if (m == "test_name") {
      // dbt matches a generic test's name (singular tests have none) and a unit test's name.
      if (n.resource_type == ResourceType::kUnitTest) return glob(v, n.name);
      return n.resource_type == ResourceType::kTest && n.test_metadata && glob(v, n.test_metadata->name);
    }
    if (m == "access") {
      if (v != "private" && v != "protected" && v != "public")
        throw UserError("unknown access '" + v + "' in '" + c.raw + "'", "use private, protected or public");
      const json* access = n.config_value("access");
      return n.resource_type == ResourceType::kModel && access && *access == v;
    }
    if (m == "package") {
      return glob(v == "this" ? ctx_.manifest.project.name : v, n.package_name);
    }
    if (m == "state" || m.rfind("state.", 0) == 0) {
      if (!ctx_.state || !ctx_.state->has_manifest)
        throw UserError("'" + c.raw + "' needs --state DIR with a previous manifest.json");
      auto it = ctx_.state->nodes.find(n.unique_id);
      std::string kind = v.substr(0, v.find('.'));
      std::string sub = v.find('.') == std::string::npos ? "" : v.substr(v.find('.') + 1);
      if (kind == "new") return it == ctx_.state->nodes.end();
      if (kind == "old") return it != ctx_.state->nodes.end();
      if (kind == "modified") return it == ctx_.state->nodes.end() || state_modified(n, it->second, sub);
      if (kind == "unmodified") return it != ctx_.state->nodes.end() && !state_modified(n, it->second, sub);
      throw UserError("unknown state selector '" + v + "'",
                      "use state:modified, state:new, state:old or state:unmodified");
    }
    if (m == "result") {
      if (!ctx_.state || !ctx_.state->has_results)
        throw UserError("'" + c.raw + "' needs --state DIR with a previous run_results.json");
      auto it = ctx_.state->results.find(n.unique_id);
      return it != ctx_.state->results.end() && glob(v, it->second);
    }
    throw UserError("selection method '" + m + "' is not supported");
  }

  const SelectionContext& ctx_;
  std::size_t n_;
};

}  // namespace

PreviousState PreviousState::load(const std::filesystem::path& dir) {
  PreviousState s;
  s.dir = dir;
  auto read = [&](const char* name, json& out) {
    std::ifstream in(dir / name, std::ios::binary);
    if (!in) return false;
    try {
      out = json::parse(in);
    } catch (const json::exception& e) {
      throw UserError(SourceLocation{(dir / name).string()}, std::string("invalid JSON: ") + e.what());
    }
    return true;
  };
  json manifest;
  if (read("manifest.json", manifest)) {
    s.has_manifest = true;
    for (const char* section :
         {"nodes", "sources", "exposures", "unit_tests", "metrics", "semantic_models", "saved_queries"}) {
      if (!manifest.contains(section)) continue;
      for (auto& [id, node] : manifest[section].items()) s.nodes.emplace(id, std::move(node));
    }
  }
  json results;
  if (read("run_results.json", results)) {
    s.has_results = true;
    for (const auto& r : results.value("results", json::array()))
      s.results[r.value("unique_id", std::string())] = r.value("status", std::string());
  }
  if (!s.has_manifest && !s.has_results)
    throw UserError("--state " + dir.string() + " has no manifest.json or run_results.json",
                    "point --state at the target/ folder of a previous run");
  return s;
}

std::vector<std::size_t> match_criterion(const SelectionContext& context,
                                         const SelectionCriterion& criterion) {
  return Evaluator(context).base(criterion, 0);
}

std::vector<std::size_t> select_nodes(const SelectionContext& ctx, const SelectionRequest& req) {
  const auto& nodes = ctx.manifest.nodes;
  const std::size_t n = nodes.size();
  Evaluator ev(ctx);
  SelectionSpec spec = parse_selection(req.select);
  Set selected(n, 0);
  std::string indirect = req.indirect_selection;
  if (req.selector) {
    if (!req.select.empty()) throw UserError("--selector cannot be combined with --select");
    if (!ctx.selectors || !ctx.selectors->count(*req.selector)) throw ev.unknown_selector(*req.selector);
    selected = ev.eval(ctx.selectors->at(*req.selector).definition);
  } else if (spec.children.empty()) {
    const NamedSelector* def = nullptr;
    if (ctx.selectors)
      for (const auto& [k, s] : *ctx.selectors)
        if (s.is_default) def = &s;
    if (def)
      selected = ev.eval(def->definition);
    else
      selected.assign(n, 1);
  } else {
    selected = ev.eval(spec);
  }
  // Indirect selection: tests of selected nodes. dbt applies it to --exclude too, so the tests
  // of an excluded node are excluded with it (eager: when any parent is excluded).
  if (indirect != "eager" && indirect != "cautious" && indirect != "buildable" && indirect != "empty")
    throw UserError("--indirect-selection must be eager, cautious, buildable or empty, not '" + indirect +
                    "'");
  auto with_tests = [&](Set chosen) {
    if (indirect == "empty") return chosen;
    Set ancestors_of_chosen;
    if (indirect == "buildable") {
      std::vector<std::size_t> sel;
      for (std::size_t i = 0; i < n; ++i)
        if (chosen[i]) sel.push_back(i);
      ancestors_of_chosen.assign(n, 0);
      for (std::size_t a : ctx.graph.ancestors(sel)) ancestors_of_chosen[a] = 1;
    }
    Set add(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      if (chosen[i] || (nodes[i].resource_type != ResourceType::kTest &&
                        nodes[i].resource_type != ResourceType::kUnitTest))
        continue;
      const auto& parents = ctx.graph.parents(i);
      if (parents.empty()) continue;
      bool any = false, all = true, all_buildable = true;
      for (std::size_t p : parents) {
        any |= chosen[p] != 0;
        all &= chosen[p] != 0;
        all_buildable &= chosen[p] || (!ancestors_of_chosen.empty() && ancestors_of_chosen[p]);
      }
      if ((indirect == "eager" && any) || (indirect == "cautious" && all) ||
          (indirect == "buildable" && all_buildable && any))
        add[i] = 1;
    }
    for (std::size_t i = 0; i < n; ++i) chosen[i] |= add[i];
    return chosen;
  };
  selected = with_tests(std::move(selected));
  if (!req.exclude.empty()) {
    Set excluded = with_tests(ev.eval(parse_selection(req.exclude)));
    for (std::size_t i = 0; i < n; ++i)
      if (excluded[i]) selected[i] = 0;
  }

  // --resource-type keeps only the types named ("all"/"default": every type);
  // --exclude-resource-type drops the types named.
  auto types_of = [](const std::vector<std::string>& names, bool& any) {
    std::vector<ResourceType> types;
    for (const auto& t : names) {
      if (t == "all" || t == "default") {
        any = true;
        continue;
      }
      auto rt = parse_resource_type(t);
      if (!rt) {
        const std::vector<std::string>& known = resource_type_names();
        std::string guess = closest_match(t, known);
        std::string listed;
        for (const auto& k : known) listed += (listed.empty() ? "" : ", ") + k;
        throw UserError("unknown resource type '" + t + "'",
                        guess.empty() ? "one of " + listed : "did you mean '" + guess + "'?");
      }
      types.push_back(*rt);
    }
    return types;
  };
  auto has = [](const std::vector<ResourceType>& types, ResourceType t) {
    return std::find(types.begin(), types.end(), t) != types.end();
  };
  if (!req.resource_types.empty()) {
    bool every = false;
    std::vector<ResourceType> types = types_of(req.resource_types, every);
    if (!every)
      for (std::size_t i = 0; i < n; ++i)
        if (!has(types, nodes[i].resource_type)) selected[i] = 0;
  }
  if (!req.exclude_resource_types.empty()) {
    bool every = false;
    std::vector<ResourceType> types = types_of(req.exclude_resource_types, every);
    for (std::size_t i = 0; i < n; ++i)
      if (every || has(types, nodes[i].resource_type)) selected[i] = 0;
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i)
    if (selected[i]) out.push_back(i);
  return out;
}

}  // namespace pond::project
