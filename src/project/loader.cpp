// load_manifest: discovery -> parallel file parsing -> patches and configs -> tests ->
// ref/source resolution -> cycle check.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/parallel.hpp"
#include "common/text.hpp"
#include "project/config.hpp"
#include "project/config_paths.hpp"
#include "project/discovery.hpp"
#include "project/file_parser.hpp"
#include "project/generic_tests.hpp"
#include "project/graph.hpp"
#include "project/manifest.hpp"
#include "project/packages.hpp"
#include "project/phase_clock.hpp"
#include "project/relation.hpp"
#include "project/resolve.hpp"

namespace pond::project {

namespace {

using nlohmann::json;

// Below this many items a thread costs more than the work it takes over.
constexpr std::size_t kParallelFrom = 256;

std::vector<FileResult> parse_files(const std::vector<ProjectSourceFile>& files, const std::string& package,
                                    int threads) {
  std::vector<FileResult> results(files.size());
  // A thread per 16 files at most: small projects parse on the caller's thread alone. The
  // first failing file in path order is the error reported.
  int useful = std::max(1, std::min<int>(threads, static_cast<int>(files.size() / 16) + 1));
  parallel_for(files.size(), useful,
               [&](std::size_t i) { results[i] = parse_project_file(files[i], package); });
  return results;
}

// Sorts by unique_id through an index permutation: a Node is large, and moving each one once
// is far cheaper than the O(n log n) moves of sorting them in place.
template <typename T>
void sort_by_id(std::vector<T>& items) {
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return items[a].unique_id < items[b].unique_id; });
  // Apply the permutation in place, cycle by cycle (no second array).
  std::vector<char> done(items.size(), 0);
  for (std::size_t start = 0; start < items.size(); ++start) {
    if (done[start] || order[start] == start) continue;
    T held = std::move(items[start]);
    std::size_t at = start;
    while (true) {
      std::size_t from = order[at];
      done[at] = 1;
      if (from == start) {
        items[at] = std::move(held);
        break;
      }
      items[at] = std::move(items[from]);
      at = from;
    }
  }
}

const json& tree_for(const ProjectFile& p, ResourceType type) {
  switch (type) {
    case ResourceType::kModel:
      return p.models;
    case ResourceType::kSeed:
      return p.seeds;
    case ResourceType::kSnapshot:
      return p.snapshots;
    case ResourceType::kTest:
      return p.tests;
    case ResourceType::kAnalysis:
      return p.analyses;
    case ResourceType::kSource:
      return p.sources;
    case ResourceType::kExposure:
      return p.exposures;
    case ResourceType::kMacro:
      break;
  }
  static const json empty = json::object();
  return empty;
}

void add_tags(std::vector<std::string>& tags, const json& more) {
  if (!more.is_array()) return;
  for (const auto& t : more) {
    if (!t.is_string()) continue;
    std::string s = t.get<std::string>();
    if (std::find(tags.begin(), tags.end(), s) == tags.end()) tags.push_back(s);
  }
}

// Replaces {{ doc('name') }} in descriptions by the doc block's text.
std::string render_docs(const std::string& text, const std::map<std::string, const DocBlock*>& docs,
                        const std::string& file, const std::string& owner) {
  if (text.find("doc(") == std::string::npos) return text;
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    std::size_t close = text.find("}}", open);
    if (close == std::string::npos) break;
    std::string inner(trim(std::string_view(text).substr(open + 2, close - open - 2)));
    out += text.substr(pos, open - pos);
    pos = close + 2;
    if (inner.rfind("doc(", 0) != 0) {
      out += text.substr(open, close + 2 - open);
      continue;
    }
    std::string name;
    for (char c : inner.substr(4))
      if (c != '\'' && c != '"' && c != ')' && c != ' ') name += c;
    auto it = docs.find(name);
    if (it == docs.end()) {
      std::vector<std::string> names;
      for (const auto& [k, v] : docs) names.push_back(k);
      std::string guess = closest_match(name, names);
      throw UserError(SourceLocation{file}, owner + " uses doc('" + name + "') which was not found",
                      guess.empty() ? "define it in a .md file: {% docs " + name + " %}...{% enddocs %}"
                                    : "did you mean doc('" + guess + "')?");
    }
    out += it->second->block_contents;
  }
  out += text.substr(pos);
  return out;
}

void render_trees(ProjectFile& p, const LoadOptions& options);

class Assembler {
 public:
  Assembler(const ProjectFile& project, const LoadOptions& options) : project_(project), options_(options) {
    m_.project = project;
    m_.target = options.target;
    m_.vars = options.cli_vars;
  }

  Manifest run() {
    PhaseClock clock("parse");
    std::vector<ProjectSourceFile> files = discover_files(project_);
    clock.lap("discover");
    std::vector<FileResult> results = parse_files(files, project_.name, options_.threads);
    for (auto& r : results)
      if (r.schema) r.schema->package = project_.name;
    add_package_files(results);
    clock.lap("parse files");
    std::vector<Node> nodes;
    std::size_t expected = 0;
    for (auto& r : results) {
      expected += r.nodes.size();
      if (r.schema) {
        for (const auto& p : r.schema->patches) expected += p.tests.size();
        expected += r.schema->sources.size() * 2 + r.schema->exposures.size();
      }
    }
    nodes.reserve(expected);
    for (auto& r : results) {
      for (auto& n : r.nodes) nodes.push_back(std::move(n));
      for (auto& mc : r.macros) add_macro(std::move(mc));
      for (auto& d : r.docs) m_.docs.push_back(std::move(d));
      if (r.schema) schemas_.push_back(std::move(*r.schema));
    }
    for (const auto& d : m_.docs) docs_by_name_[d.name] = &d;
    check_duplicates(nodes);
    apply_patches(nodes);
    clock.lap("patches");
    parallel_for(
        nodes.size(), options_.threads, [&](std::size_t i) { resolve_config(nodes[i], nullptr); },
        kParallelFrom);
    clock.lap("configs");
    make_sources_and_exposures(nodes);
    make_tests(nodes);
    clock.lap("tests");
    std::vector<UnitTest> unit_tests;
    for (auto& schema : schemas_)
      for (auto& t : schema.unit_tests) unit_tests.push_back(std::move(t));
    // The schema files are in the nodes now; free them before the manifest takes its shape.
    patch_of_.clear();
    schemas_.clear();
    schemas_.shrink_to_fit();
    // Disabled nodes move out; the enabled ones stay in the same array (a Node is large, so a
    // second array of 150,000 of them would be hundreds of MB).
    std::size_t kept = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i].is_enabled()) {
        m_.disabled.push_back(std::move(nodes[i]));
        continue;
      }
      if (kept != i) nodes[kept] = std::move(nodes[i]);
      ++kept;
    }
    nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(kept), nodes.end());
    m_.nodes = std::move(nodes);
    sort_by_id(m_.nodes);
    sort_by_id(m_.disabled);
    sort_by_id(m_.macros);
    m_.rebuild_index();
    clock.lap("index");
    parallel_for(
        m_.nodes.size(), options_.threads,
        [&](std::size_t i) {
          assign_relation(m_.nodes[i], m_.target, m_.project.quoting);
          resolve_node_dependencies(m_, m_.nodes[i]);
        },
        kParallelFrom);
    for (auto& mc : m_.macros)
      mc.depends_on_macros =
          resolve_macro_calls(m_, mc.depends_on_macros, mc.package_name, &mc.unresolved_calls);
    clock.lap("refs");
    check_generic_tests();
    add_unit_tests(m_, std::move(unit_tests));
    if (options_.check_cycles) {
      check_acyclic(m_, Graph(m_));
      clock.lap("cycles");
    }
    for (auto& w : config_path_warnings(m_)) {
      log::warn_event("UnusedResourceConfigPath", "{}", w);
      m_.warnings.push_back(std::move(w));
    }
    return std::move(m_);
  }

 private:
  // Every generic test names a test that exists (a built-in one, or a {% test %} macro of the
  // project or a package), as dbt's parse requires; a typo is an error at its YAML line with a
  // did-you-mean, not an "undefined" at compile time located at line 1.
  void check_generic_tests() {
    std::unordered_set<std::string> known{"test_not_null", "test_unique", "test_accepted_values",
                                          "test_relationships"};
    std::vector<std::string> names{"not_null", "unique", "accepted_values", "relationships"};
    for (const auto& mc : m_.macros) {
      if (mc.name.rfind("test_", 0) != 0) continue;
      known.insert(mc.name);
      known.insert(mc.package_name + "." + mc.name);
      names.push_back(mc.package_name == project_.name ? mc.name.substr(5)
                                                       : mc.package_name + "." + mc.name.substr(5));
    }
    for (const auto& n : m_.nodes) {
      if (!n.test_metadata) continue;
      const TestMetadata& t = *n.test_metadata;
      const std::string& ns = t.namespace_;
      if (known.count((ns.empty() ? "" : ns + ".") + "test_" + t.name)) continue;
      std::string written = (ns.empty() ? "" : ns + ".") + t.name;
      std::string guess = closest_match(written, names);
      int line = !n.refs.empty() ? n.refs[0].line : !n.sources.empty() ? n.sources[0].line : 0;
      throw UserError(SourceLocation{m_.display_path(n.package_name, n.original_file_path), line, 0},
                      "unknown generic test '" + written + "' (no macro test_" + t.name +
                          (ns.empty() ? "" : " in package " + ns) + ")",
                      guess.empty()
                          ? "generic tests are not_null, unique, accepted_values, relationships and the "
                            "{% test %} macros of the project and its packages (dbt_utils.expression_is_true)"
                          : "did you mean '" + guess + "'?");
    }
  }

  // Installed packages (dbt_packages/): their files parse like the project's, under their name.
  void add_package_files(std::vector<FileResult>& results) {
    m_.packages = load_installed_packages(project_);
    for (auto& pkg : m_.packages) render_trees(pkg, options_);
    for (const auto& pkg : m_.packages) {
      std::vector<FileResult> more;
      try {
        more = parse_files(discover_files(pkg), pkg.name, options_.threads);
      } catch (const UserError& e) {  // name the file as the user finds it
        if (!e.where()) throw;
        SourceLocation at = *e.where();
        at.file = m_.display_path(pkg.name, at.file);
        throw UserError(at, e.message(), e.hint(), e.exit_code());
      }
      for (auto& r : more) {
        if (r.schema) r.schema->package = pkg.name;
        results.push_back(std::move(r));
      }
    }
  }

  void add_macro(Macro mc) {
    if (!macro_names_.emplace(mc.unique_id, mc.original_file_path).second) {
      throw UserError(SourceLocation{mc.original_file_path, mc.line, 1},
                      "macro '" + mc.name + "' is defined twice",
                      "the other definition is in " + macro_names_[mc.unique_id]);
    }
    m_.macros.push_back(std::move(mc));
  }

  void check_duplicates(const std::vector<Node>& nodes) {
    std::unordered_map<std::string_view, const Node*> seen;
    seen.reserve(nodes.size());
    for (const auto& n : nodes) {
      auto [it, fresh] = seen.emplace(n.unique_id, &n);
      if (!fresh) {
        throw UserError(SourceLocation{n.original_file_path},
                        "two " + std::string(to_string(n.resource_type)) + "s are named '" + n.name + "'",
                        "the other is " + it->second->original_file_path + "; dbt needs unique names");
      }
    }
  }

  void apply_patches(std::vector<Node>& nodes) {
    // By name, then type and package (the last node of a kind wins, as a map assignment).
    std::unordered_map<std::string_view, std::vector<Node*>> by_name;
    by_name.reserve(nodes.size());
    for (auto& n : nodes) by_name[n.name].push_back(&n);
    auto find = [&](ResourceType type, std::string_view package, std::string_view name) -> Node* {
      auto it = by_name.find(name);
      if (it == by_name.end()) return nullptr;
      for (auto n = it->second.rbegin(); n != it->second.rend(); ++n)
        if ((*n)->resource_type == type && (*n)->package_name == package) return *n;
      return nullptr;
    };
    for (auto& schema : schemas_) {
      for (auto& p : schema.patches) {
        Node* found = find(p.type, schema.package, p.name);
        if (!found) {
          std::string msg = schema.original_file_path + ":" + std::to_string(p.line) + ": " +
                            std::string(to_string(p.type)) + " '" + p.name +
                            "' is documented but has no file; the entry is ignored";
          log::warn("{}", msg);
          m_.warnings.push_back(msg);
          continue;
        }
        // A patch's parts move into the node: only its tests are read later (make_tests).
        Node& n = *found;
        n.patch_path = schema.package + "://" + schema.original_file_path;
        n.description = render_docs(p.description, docs_by_name_, schema.original_file_path, p.name);
        n.columns = std::move(p.columns);
        for (auto& c : n.columns)
          c.description = render_docs(c.description, docs_by_name_, schema.original_file_path, p.name);
        n.meta = std::move(p.meta);
        patch_config_[n.unique_id] = std::move(p.config);
        patch_tags_[n.unique_id] = std::move(p.tags);
        if (p.docs.is_object()) patch_config_[n.unique_id]["docs"] = p.docs;
        patch_of_[n.unique_id] = {&schema, &p};
      }
    }
  }

  // defaults < dbt_project.yml tree < schema YAML config < config() in the file.
  // tree_config for a node, cached per folder: nodes of one folder share it unless the tree
  // names the node itself.
  const json& project_config(ResourceType type, const std::vector<std::string>& fqn, json& storage) {
    if (!fqn.empty() && fqn[0] != project_.name) {
      if (const ProjectFile* pkg = m_.package_file(fqn[0])) {
        // A package's own dbt_project.yml, then the root project's (`models: <pkg>: ...`) over it.
        storage = tree_config(tree_for(*pkg, type), fqn);
        merge_config(storage, tree_config(tree_for(project_, type), fqn));
        return storage;
      }
    }
    const json& tree = tree_for(project_, type);
    const json* level = &tree;
    std::string key(1, static_cast<char>('0' + static_cast<int>(type)));
    for (std::size_t i = 0; i + 1 < fqn.size() && level; ++i) {
      key += '/';
      key += fqn[i];
      auto it = level->find(fqn[i]);
      level = it != level->end() && it->is_object() ? &*it : nullptr;
    }
    if (level && !fqn.empty() && level->contains(fqn.back())) {
      storage = tree_config(tree, fqn);
      return storage;
    }
    std::lock_guard lock(cache_mutex_);  // configs resolve on several threads
    auto it = tree_cache_.find(key);
    if (it == tree_cache_.end()) it = tree_cache_.emplace(key, tree_config(tree, fqn)).first;
    return it->second;  // unordered_map values do not move when it grows
  }

  void resolve_config(Node& n, const json* extra) {
    json config = json::object();  // dbt's defaults stay shared (Node::config_value)
    json storage;
    json unrendered = project_config(n.resource_type, n.fqn, storage);
    merge_config(config, unrendered);
    if (auto it = patch_config_.find(n.unique_id); it != patch_config_.end()) {
      merge_config(config, it->second);
      for (auto& [k, v] : it->second.items()) unrendered[k] = v;
    }
    if (extra) {
      merge_config(config, *extra);
      for (auto& [k, v] : extra->items()) unrendered[k] = v;
    }
    json file_config = normalize_config(n.unrendered_config);
    merge_config(config, file_config);
    for (auto& [k, v] : file_config.items()) unrendered[k] = v;
    // YAML `meta:`/`tags:` outside config: are merged into the config, as dbt does.
    if (!n.meta.empty()) merge_config(config, json{{"meta", n.meta}});
    if (auto it = patch_tags_.find(n.unique_id); it != patch_tags_.end()) {
      json t = json::array();
      for (auto& s : it->second) t.push_back(s);
      merge_config(config, json{{"tags", t}});
    }
    std::vector<std::string> tags = n.tags;
    add_tags(tags, config["tags"]);
    n.tags = tags;
    config["tags"] = tags;
    n.meta = config.contains("meta") && config["meta"].is_object() ? config["meta"] : json::object();
    n.config = std::move(config);
    n.unrendered_config = std::move(unrendered);
  }

  void make_sources_and_exposures(std::vector<Node>& nodes) {
    for (auto& schema : schemas_) {
      for (auto& e : schema.sources) {
        Node n = e.node;
        json tree = tree_config(project_.sources, n.fqn);
        json config = json::object();
        merge_config(config, tree);
        merge_config(config, n.config);
        n.config = config;
        n.description = render_docs(n.description, docs_by_name_, schema.original_file_path, n.name);
        add_tags(n.tags, config.value("tags", json::array()));
        if (n.config.contains("meta") && n.config["meta"].is_object()) n.meta.update(n.config["meta"]);
        nodes.push_back(std::move(n));
      }
      for (auto& x : schema.exposures) {
        Node n = x;
        n.description = render_docs(n.description, docs_by_name_, schema.original_file_path, n.name);
        nodes.push_back(std::move(n));
      }
    }
  }

  void make_tests(std::vector<Node>& nodes) {
    std::unordered_map<std::string_view, const Node*> targets;
    targets.reserve(nodes.size());
    for (const auto& n : nodes) targets[n.unique_id] = &n;
    struct Job {
      const TestSpec* spec;
      const Node* target;
      const SchemaFile* schema;
    };
    std::vector<Job> jobs;
    auto build = [&](const TestSpec& spec, const Node& target, const SchemaFile& schema) -> Node {
      Node t = make_generic_test(spec, target, schema, schema.package);
      std::vector<std::string> col_tags;
      for (const auto& c : target.columns)
        if (c.name == spec.column_name) col_tags = c.tags;
      if (target.resource_type == ResourceType::kSource) add_tags(col_tags, json(target.tags));
      json extra = spec.config;
      if (!col_tags.empty()) merge_config(extra, json{{"tags", col_tags}});
      if (t.alias != t.name && !extra.contains("alias")) extra["alias"] = t.alias;
      resolve_config(t, &extra);
      if (!target.is_enabled()) t.config["enabled"] = false;
      return t;
    };
    for (auto& [uid, pp] : patch_of_) {
      auto it = targets.find(uid);
      if (it == targets.end()) continue;
      for (const auto& spec : pp.second->tests) jobs.push_back(Job{&spec, it->second, pp.first});
    }
    for (auto& schema : schemas_) {
      for (auto& e : schema.sources) {
        auto it = targets.find(e.node.unique_id);
        if (it == targets.end()) continue;
        for (const auto& spec : e.tests) jobs.push_back(Job{&spec, it->second, &schema});
      }
    }
    std::vector<Node> tests(jobs.size());
    parallel_for(
        jobs.size(), options_.threads,
        [&](std::size_t i) { tests[i] = build(*jobs[i].spec, *jobs[i].target, *jobs[i].schema); },
        kParallelFrom);
    std::unordered_map<std::string_view, const Node*> seen;
    seen.reserve(tests.size());
    for (auto& t : tests) {
      auto [it, fresh] = seen.emplace(t.unique_id, &t);
      if (!fresh) {
        throw UserError(SourceLocation{t.original_file_path}, "the test '" + t.name + "' is declared twice",
                        "give one of them a different `name:`");
      }
    }
    for (auto& t : tests) nodes.push_back(std::move(t));
  }

  const ProjectFile& project_;
  const LoadOptions& options_;
  Manifest m_;
  std::vector<SchemaFile> schemas_;
  std::map<std::string, const DocBlock*> docs_by_name_;
  std::map<std::string, std::string> macro_names_;
  std::unordered_map<std::string, json> patch_config_;  // looked up for every node
  std::unordered_map<std::string, std::vector<std::string>> patch_tags_;
  std::map<std::string, std::pair<const SchemaFile*, const NodePatch*>> patch_of_;
  std::unordered_map<std::string, json> tree_cache_;
  std::mutex cache_mutex_;
};

}  // namespace

namespace {

// The config trees of dbt_project.yml with their Jinja rendered (pre-/post-hooks excepted).
void render_trees(ProjectFile& p, const LoadOptions& options) {
  if (!options.render_config) return;
  std::string file = p.name + "/dbt_project.yml: ";
  for (auto [tree, key] :
       {std::pair{&p.models, "models"}, std::pair{&p.seeds, "seeds"}, std::pair{&p.snapshots, "snapshots"},
        std::pair{&p.tests, "data_tests"}, std::pair{&p.sources, "sources"},
        std::pair{&p.exposures, "exposures"}, std::pair{&p.analyses, "analyses"}})
    options.render_config(*tree, file + key);
}

}  // namespace

Manifest load_manifest(const ProjectFile& project, const LoadOptions& options) {
  if (!options.render_config) return Assembler(project, options).run();
  ProjectFile rendered = project;
  render_trees(rendered, options);
  return Assembler(rendered, options).run();
}

}  // namespace pond::project
