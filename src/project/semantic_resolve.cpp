// The semantic layer resolved against the manifest (dbt-core's process_metrics,
// process_saved_queries, update_semantic_model and check_valid_group_config), and model access.
#include <algorithm>
#include <functional>
#include <set>

#include "common/error.hpp"
#include "common/text.hpp"
#include "project/manifest.hpp"
#include "project/semantic_layer.hpp"

namespace pond::project {

namespace {

using nlohmann::json;

class Resolver {
 public:
  Resolver(Manifest& m, const DefinitionMarksById& marks) : m_(m), marks_(marks) {}

  void run() {
    for (std::size_t i = 0; i < m_.nodes.size(); ++i) {
      Node& n = m_.nodes[i];
      if (n.resource_type == ResourceType::kSemanticModel) semantic_model(n);
      if (n.resource_type == ResourceType::kMetric) metrics_[n.name] = i;
    }
    for (const auto& [name, i] : metrics_) metric(i, 0);
    for (auto& n : m_.nodes)
      if (n.resource_type == ResourceType::kSavedQuery) saved_query(n);
  }

 private:
  [[noreturn]] void fail(const Node& n, const std::string& mark, const std::string& message,
                         const std::string& hint) const {
    SourceLocation where{m_.display_path(n.package_name, n.original_file_path), 0, 0};
    if (auto it = marks_.find(n.unique_id); it != marks_.end()) {
      where.line = it->second.line;
      where.column = it->second.column;
      if (auto at = it->second.at.find(mark); at != it->second.at.end() && at->second.first > 0) {
        where.line = at->second.first;
        where.column = at->second.second;
      }
    }
    throw UserError(where, message, hint);
  }

  static std::string guess_hint(const std::string& name, const std::vector<std::string>& names,
                                const std::string& otherwise) {
    std::string guess = closest_match(name, names);
    return guess.empty() ? otherwise : "did you mean '" + guess + "'?";
  }

  void semantic_model(Node& n) {
    // depends_on holds the model its ref() resolved to.
    if (n.depends_on_nodes.size() == 1) {
      if (const Node* model = m_.find(n.depends_on_nodes[0])) {
        n.definition["node_relation"] = json{{"alias", model->alias},
                                             {"schema_name", model->schema},
                                             {"database", model->database},
                                             {"relation_name", model->relation_name}};
      }
    }
    for (const auto& measure : n.definition["measures"]) {
      std::string name = measure["name"].get<std::string>();
      auto [it, fresh] = measure_owner_.emplace(name, &n);
      if (!fresh)
        fail(n, "",
             "the measure '" + name + "' is defined in semantic models '" + it->second->name + "' and '" +
                 n.name + "'",
             "measure names must be unique across semantic models");
      measure_names_.push_back(name);
    }
  }

  const Node* disabled_owner(const std::string& measure) const {
    for (const auto& d : m_.disabled) {
      if (d.resource_type != ResourceType::kSemanticModel || !d.definition.is_object()) continue;
      for (const auto& mm : d.definition["measures"])
        if (mm["name"] == measure) return &d;
    }
    return nullptr;
  }

  void add_dependency(Node& n, const std::string& id) {
    if (std::find(n.depends_on_nodes.begin(), n.depends_on_nodes.end(), id) == n.depends_on_nodes.end())
      n.depends_on_nodes.push_back(id);
  }

  void measure_input(Node& n, const json& measure) {
    std::string name = measure["name"].get<std::string>();
    auto it = measure_owner_.find(name);
    if (it == measure_owner_.end()) {
      if (const Node* d = disabled_owner(name))
        fail(n, "measure:" + name,
             "metric '" + n.name + "': the measure '" + name +
                 "' is referenced on disabled semantic model '" + d->name + "'",
             "enable the semantic model or remove the reference");
      fail(n, "measure:" + name,
           "metric '" + n.name + "': a semantic model having a measure '" + name +
               "' does not exist but was referenced",
           guess_hint(name, measure_names_, "declare the measure under a semantic model's 'measures:'"));
    }
    n.definition["type_params"]["input_measures"].push_back(measure);
    add_dependency(n, it->second->unique_id);
  }

  // Sets input_measures and depends_on; input metrics are processed first (derived, ratio).
  void metric(std::size_t index, int depth) {
    Node& n = m_.nodes[index];
    if (done_.count(index)) return;
    if (depth > 64 || !visiting_.insert(index).second)
      fail(n, "", "metric '" + n.name + "' depends on itself through its input metrics", "");
    json& tp = n.definition["type_params"];
    std::string type = n.definition["type"].get<std::string>();
    tp["input_measures"] = json::array();
    if (type == "simple" || type == "cumulative") {
      measure_input(n, tp["measure"]);
    } else if (type == "conversion") {
      measure_input(n, tp["conversion_type_params"]["base_measure"]);
      measure_input(n, tp["conversion_type_params"]["conversion_measure"]);
    } else {
      std::vector<json> inputs;
      if (type == "ratio") {
        inputs = {tp["numerator"], tp["denominator"]};
      } else {
        for (const auto& x : tp["metrics"]) inputs.push_back(x);
      }
      for (const auto& input : inputs) {
        std::string name = input["name"].get<std::string>();
        const Node& target = metric_named(n, name);
        std::size_t t = *m_.index_of(target.unique_id);
        metric(t, depth + 1);
        Node& self = m_.nodes[index];
        for (const auto& im : m_.nodes[t].definition["type_params"]["input_measures"])
          self.definition["type_params"]["input_measures"].push_back(im);
        add_dependency(self, m_.nodes[t].unique_id);
      }
    }
    visiting_.erase(index);
    done_.insert(index);
  }

  const Node& metric_named(const Node& from, const std::string& name) const {
    if (auto it = metrics_.find(name); it != metrics_.end()) return m_.nodes[it->second];
    bool disabled = std::any_of(m_.disabled.begin(), m_.disabled.end(), [&](const Node& d) {
      return d.resource_type == ResourceType::kMetric && d.name == name;
    });
    std::vector<std::string> names;
    for (const auto& [k, v] : metrics_) names.push_back(k);
    std::string what =
        std::string(from.resource_type == ResourceType::kMetric ? "metric '" : "saved query '") + from.name +
        "': the metric '" + name + "'";
    if (disabled)
      fail(from, "metric:" + name, what + " is disabled and thus cannot be referenced", "enable it");
    fail(from, "metric:" + name, what + " does not exist but was referenced",
         guess_hint(name, names, "declare it under 'metrics:' in a schema YAML file"));
  }

  void saved_query(Node& n) {
    for (const auto& m : n.definition["query_params"]["metrics"])
      add_dependency(n, metric_named(n, m.get<std::string>()).unique_id);
  }

  Manifest& m_;
  const DefinitionMarksById& marks_;
  std::map<std::string, std::size_t> metrics_;  // enabled metrics by name
  std::map<std::string, const Node*> measure_owner_;
  std::vector<std::string> measure_names_;
  std::set<std::size_t> done_, visiting_;
};

SourceLocation location_of(const Manifest& m, const Node& n, const DefinitionMarksById& marks,
                           const char* mark) {
  SourceLocation where{m.display_path(n.package_name, n.original_file_path), 0, 0};
  if (auto it = marks.find(n.unique_id); it != marks.end()) {
    where.line = it->second.line;
    where.column = it->second.column;
    if (auto at = it->second.at.find(mark); at != it->second.at.end()) {
      where.line = at->second.first;
      where.column = at->second.second;
    }
  }
  return where;
}

std::string group_of(const Node& n) {
  const json* g = n.config_value("group");
  return g && g->is_string() ? g->get<std::string>() : "";
}

}  // namespace

void resolve_semantic_layer(Manifest& manifest, const DefinitionMarksById& marks) {
  Resolver(manifest, marks).run();
}

void check_groups_and_access(const Manifest& m, const DefinitionMarksById& marks) {
  bool any_private = false;
  std::vector<std::string> groups;
  for (const auto& g : m.groups) groups.push_back(g.name);
  std::sort(groups.begin(), groups.end());
  for (const auto& n : m.nodes) {
    std::string group = group_of(n);
    if (!group.empty() && !std::binary_search(groups.begin(), groups.end(), group)) {
      std::string listed;
      for (const auto& g : groups) listed += (listed.empty() ? "'" : ", '") + g + "'";
      std::string guess = closest_match(group, groups);
      throw UserError(
          location_of(m, n, marks, "group"),
          "Invalid group '" + group + "' of " + n.unique_id + ", expected one of [" + listed + "]",
          guess.empty() ? "declare it under 'groups:' in a schema YAML file"
                        : "did you mean '" + guess + "'?");
    }
    if (n.resource_type != ResourceType::kModel) continue;
    const json* access = n.config_value("access");
    std::string value = access && access->is_string() ? access->get<std::string>() : "";
    any_private = any_private || value == "private";
    if (value != "private" && value != "protected" && value != "public")
      throw UserError(SourceLocation{m.display_path(n.package_name, n.original_file_path), 0, 0},
                      "Node " + n.unique_id + " has an invalid value (" + (access ? access->dump() : "") +
                          ") for the access field",
                      "access is private, protected or public");
    if (value == "public" && n.materialized() == "ephemeral")
      throw UserError(
          SourceLocation{m.display_path(n.package_name, n.original_file_path), 0, 0},
          "Node " + n.unique_id +
              " with 'ephemeral' materialization has an invalid value (public) for the access field",
          "an ephemeral model has no relation to share; make it protected or materialize it");
  }
  // A private model is referred to only from its group (tests of it excepted, as dbt gives
  // them their model's group).
  if (!any_private) return;
  for (const auto& n : m.nodes) {
    if (n.resource_type == ResourceType::kTest || n.resource_type == ResourceType::kUnitTest) continue;
    for (const auto& r : n.refs) {
      const Node* target = m.resolve_ref(r.package, r.name, n.package_name);
      if (!target || target->resource_type != ResourceType::kModel) continue;
      const json* access = target->config_value("access");
      if (!access || *access != "private") continue;
      std::string mine = group_of(n), theirs = group_of(*target);
      if (!mine.empty() && mine == theirs) continue;
      SourceLocation where{m.display_path(n.package_name, n.original_file_path), r.line, 0};
      throw UserError(where,
                      "Node " + n.unique_id + " attempted to reference node " + target->unique_id +
                          ", which is not allowed because the referenced node is private to the '" + theirs +
                          "' group.",
                      mine.empty() ? "put " + n.name + " in the group '" + theirs + "' or make " +
                                         target->name + " protected or public"
                                   : "make " + target->name + " protected or public");
    }
  }
}

}  // namespace pond::project
