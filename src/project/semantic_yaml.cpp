// `semantic_models:`, `metrics:`, `saved_queries:` and `groups:` of schema YAML, read as dbt's
// parser does (dbt-core's schema_yaml_readers and dbt-semantic-interfaces' enums): required keys,
// allowed values with a did-you-mean, shorthands expanded (a measure named by a string, a
// window "7 days", a filter string) into the shapes of manifest.json.
#include <algorithm>
#include <cctype>

#include "common/text.hpp"
#include "project/config.hpp"
#include "project/semantic_layer.hpp"
#include "project/yaml_tree.hpp"

namespace pond::project {

namespace {

using nlohmann::json;

const std::vector<std::string> kGranularities{"nanosecond", "microsecond", "millisecond", "second",
                                              "minute",     "hour",        "day",         "week",
                                              "month",      "quarter",     "year"};
const std::vector<std::string> kAggregations{
    "sum", "min", "max", "count_distinct", "sum_boolean", "average", "percentile", "median", "count"};

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// Reads one entry's keys with errors at the entry's file:line:col.
class EntryReader {
 public:
  EntryReader(const SchemaScope& scope, const YamlNode& entry, std::string what)
      : scope_(scope), entry_(entry), what_(std::move(what)) {}

  [[noreturn]] void fail(const YamlNode& at, const std::string& message, const std::string& hint = {}) const {
    scope_.file.fail(at ? at : entry_, what_ + ": " + message, hint);
  }

  // A text value; `required` fails when it is missing or empty.
  json text(const YamlNode& node, const char* key, bool required = false) const {
    const YamlNode& v = node[key];
    if (!v || v.is_null()) {
      if (required) fail(node, "'" + std::string(key) + ":' is required");
      return nullptr;
    }
    if (!v.is_scalar()) fail(v, "'" + std::string(key) + ":' must be text");
    return v.scalar;
  }

  // A value of `allowed` (case-insensitive, as dbt's enums), or null when absent and optional.
  json choice(const YamlNode& node, const char* key, const std::vector<std::string>& allowed,
              bool required = true) const {
    const YamlNode& v = node[key];
    if (!v || v.is_null()) {
      if (required) fail(node, "'" + std::string(key) + ":' is required", "one of " + join(allowed, ", "));
      return nullptr;
    }
    std::string value = v.is_scalar() ? to_lower(v.scalar) : "";
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      std::string guess = closest_match(value, allowed);
      fail(v, "'" + std::string(key) + ": " + v.scalar + "' is not valid",
           guess.empty() ? "one of " + join(allowed, ", ") : "did you mean '" + guess + "'?");
    }
    return value;
  }

  bool flag(const YamlNode& node, const char* key, bool fallback) const {
    const YamlNode& v = node[key];
    if (!v || v.is_null()) return fallback;
    json j = yaml_to_json(v);
    if (!j.is_boolean()) fail(v, "'" + std::string(key) + ":' must be true or false");
    return j.get<bool>();
  }

  json object(const YamlNode& node, const char* key) const {
    const YamlNode& v = node[key];
    if (!v || v.is_null()) return nullptr;
    if (!v.is_map()) fail(v, "'" + std::string(key) + ":' must be a mapping");
    return yaml_to_json(v);
  }

  // The items of a list key, each a mapping with `name:` unless `names_allowed`.
  const std::vector<YamlNode>& list(const YamlNode& node, const char* key) const {
    static const std::vector<YamlNode> none;
    const YamlNode& v = node[key];
    if (!v || v.is_null()) return none;
    if (!v.is_sequence()) fail(v, "'" + std::string(key) + ":' must be a list");
    return v.children;
  }

  // A name that must be unique among `seen`.
  std::string unique_name(const YamlNode& item, const char* what, std::vector<std::string>& seen) const {
    if (!item.is_map()) fail(item, std::string("each ") + what + " must be a mapping with 'name:'");
    std::string name = text(item, "name", true).get<std::string>();
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      fail(item["name"], std::string("two ") + what + "s are named '" + name + "'");
    seen.push_back(name);
    return name;
  }

  // dbt's expr: text, or a number/boolean written as text.
  json expr(const YamlNode& node) const {
    const YamlNode& v = node["expr"];
    if (!v || v.is_null()) return nullptr;
    if (!v.is_scalar()) fail(v, "'expr:' must be text");
    return v.scalar;
  }

  // `filter:`/`where:`: a string or a list of strings -> {where_filters: [...]}.
  json where(const YamlNode& node, const char* key) const {
    const YamlNode& v = node[key];
    if (!v || v.is_null()) return nullptr;
    json filters = json::array();
    auto add = [&](const YamlNode& s) {
      if (!s.is_scalar()) fail(s, "'" + std::string(key) + ":' must be a filter or a list of filters");
      filters.push_back(json{{"where_sql_template", s.scalar}});
    };
    if (v.is_sequence()) {
      for (const auto& s : v.children) add(s);
    } else {
      add(v);
    }
    return json{{"where_filters", filters}};
  }

  // "7 days" -> {count: 7, granularity: day}.
  json window(const YamlNode& node, const char* key) const {
    const YamlNode& v = node[key];
    if (!v || v.is_null()) return nullptr;
    std::vector<std::string> parts = v.is_scalar() ? split(v.scalar, ' ') : std::vector<std::string>{};
    if (parts.size() != 2)
      fail(v, "invalid window '" + v.scalar + "': write '<count> <granularity>'", "e.g. '28 days'");
    std::string granularity = parts[1];
    if (!granularity.empty() && granularity.back() == 's') granularity.pop_back();
    if (std::find(kGranularities.begin(), kGranularities.end(), granularity) == kGranularities.end())
      fail(v, "invalid time granularity '" + parts[1] + "' in window '" + v.scalar + "'",
           "one of " + join(kGranularities, ", "));
    if (parts[0].empty() ||
        !std::all_of(parts[0].begin(), parts[0].end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
      fail(v, "invalid count '" + parts[0] + "' in window '" + v.scalar + "'");
    return json{{"count", std::stoi(parts[0])}, {"granularity", granularity}};
  }

  // The entry's own `config:` with its top-level `meta:` (dbt copies one to the other).
  json config(const YamlNode& node) const {
    json c = normalize_config(object(node, "config").is_object() ? object(node, "config") : json::object());
    if (c.contains("enabled") && !c["enabled"].is_boolean())
      fail(node["config"], "'enabled:' must be true or false");
    if (c.contains("group") && !c["group"].is_string() && !c["group"].is_null())
      fail(node["config"], "'group:' must be the name of a group");
    return c;
  }

  const SchemaScope& scope() const { return scope_; }

 private:
  const SchemaScope& scope_;
  const YamlNode& entry_;
  std::string what_;
};

std::vector<std::string> tags_of(const EntryReader& r, const YamlNode& v) {
  std::vector<std::string> out;
  if (!v || v.is_null()) return out;
  if (v.is_scalar()) return {v.scalar};
  if (!v.is_sequence()) r.fail(v, "'tags:' must be a tag or a list of tags");
  for (const auto& t : v.children) out.push_back(t.scalar);
  return out;
}

// The parts every definition shares; `type` is its resource type.
Definition start(const EntryReader& r, const YamlNode& item, ResourceType type, const std::string& name) {
  const SchemaScope& s = r.scope();
  Definition d;
  Node& n = d.node;
  n.resource_type = type;
  n.package_name = s.package;
  n.name = name;
  n.unique_id = std::string(to_string(type)) + "." + s.package + "." + name;
  n.original_file_path = s.original_file_path;
  n.path = s.path;
  n.fqn = s.fqn_prefix;
  n.fqn.push_back(name);
  json description = r.text(item, "description");
  n.description = description.is_string() ? description.get<std::string>() : "";
  n.config = r.config(item);
  n.meta = r.object(item, "meta").is_object() ? r.object(item, "meta") : json::object();
  if (n.config.contains("meta") && n.config["meta"].is_object()) n.meta.update(n.config["meta"]);
  if (!n.meta.empty()) n.config["meta"] = n.meta;
  n.tags = tags_of(r, item["tags"]);
  for (auto& t : tags_of(r, item["config"]["tags"]))
    if (std::find(n.tags.begin(), n.tags.end(), t) == n.tags.end()) n.tags.push_back(t);
  n.unrendered_config = n.config;
  d.marks.original_file_path = s.original_file_path;
  d.marks.line = item.line;
  d.marks.column = item.column;
  if (const YamlNode& g = item["config"]["group"]; g && g.is_scalar())
    d.marks.at["group"] = {g.line, g.column};
  n.definition = json::object();
  return d;
}

std::string entry_name(const SchemaScope& scope, const YamlNode& item, const char* what) {
  if (!item.is_map()) scope.file.fail(item, std::string("each entry of '") + what + "s:' must be a mapping");
  const YamlNode& name = item["name"];
  if (!name || !name.is_scalar() || name.scalar.empty())
    scope.file.fail(item, std::string("this ") + what + " has no 'name:'");
  return name.scalar;
}

json entities(const EntryReader& r, const YamlNode& item) {
  json out = json::array();
  std::vector<std::string> seen;
  for (const auto& e : r.list(item, "entities")) {
    json j{{"name", r.unique_name(e, "entity", seen)},
           {"type", r.choice(e, "type", {"foreign", "natural", "primary", "unique"})},
           {"description", r.text(e, "description")},
           {"label", r.text(e, "label")},
           {"role", r.text(e, "role")},
           {"expr", r.expr(e)}};
    if (json c = r.object(e, "config"); c.is_object())
      j["config"] = json{{"meta", c.value("meta", json::object())}};
    out.push_back(std::move(j));
  }
  return out;
}

json measures(const EntryReader& r, const YamlNode& item, std::vector<std::string>& names) {
  json out = json::array();
  for (const auto& m : r.list(item, "measures")) {
    json j{{"name", r.unique_name(m, "measure", names)},
           {"agg", r.choice(m, "agg", kAggregations)},
           {"description", r.text(m, "description")},
           {"label", r.text(m, "label")},
           {"create_metric", r.flag(m, "create_metric", false)},
           {"expr", r.expr(m)},
           {"agg_params", r.object(m, "agg_params")},
           {"non_additive_dimension", nullptr},
           {"agg_time_dimension", r.text(m, "agg_time_dimension")}};
    if (const YamlNode& nad = m["non_additive_dimension"]; nad && !nad.is_null()) {
      if (!nad.is_map()) r.fail(nad, "'non_additive_dimension:' must be a mapping");
      json groupings = json::array();
      for (const auto& g : r.list(nad, "window_groupings")) groupings.push_back(g.scalar);
      j["non_additive_dimension"] = json{{"name", r.text(nad, "name", true)},
                                         {"window_choice", r.choice(nad, "window_choice", kAggregations)},
                                         {"window_groupings", groupings}};
    }
    if (j["agg"] == "percentile" && (!j["agg_params"].is_object() || !j["agg_params"].contains("percentile")))
      r.fail(m, "measure '" + j["name"].get<std::string>() +
                    "' with agg: percentile needs agg_params: percentile:");
    if (json c = r.object(m, "config"); c.is_object())
      j["config"] = json{{"meta", c.value("meta", json::object())}};
    out.push_back(std::move(j));
  }
  return out;
}

json dimensions(const EntryReader& r, const YamlNode& item) {
  json out = json::array();
  std::vector<std::string> seen;
  for (const auto& d : r.list(item, "dimensions")) {
    std::string name = r.unique_name(d, "dimension", seen);
    json type = r.choice(d, "type", {"categorical", "time"});
    json type_params = nullptr;
    if (const YamlNode& tp = d["type_params"]; tp && !tp.is_null()) {
      if (!tp.is_map()) r.fail(tp, "'type_params:' must be a mapping");
      type_params = json{{"time_granularity", r.choice(tp, "time_granularity", kGranularities)},
                         {"validity_params", r.object(tp, "validity_params")}};
    }
    if (type == "time" && type_params.is_null())
      r.fail(d, "time dimension '" + name + "' needs 'type_params: time_granularity:'",
             "e.g. type_params: {time_granularity: day}");
    json j{{"name", name},
           {"type", type},
           {"description", r.text(d, "description")},
           {"label", r.text(d, "label")},
           {"is_partition", r.flag(d, "is_partition", false)},
           {"type_params", type_params},
           {"expr", r.expr(d)},
           {"metadata", nullptr}};
    if (json c = r.object(d, "config"); c.is_object())
      j["config"] = json{{"meta", c.value("meta", json::object())}};
    out.push_back(std::move(j));
  }
  return out;
}

// A measure input: a name, or {name, filter, alias, join_to_timespine, fill_nulls_with}.
json input_measure(const EntryReader& r, const YamlNode& v, DefinitionMarks& marks) {
  json j{{"name", nullptr},
         {"filter", nullptr},
         {"alias", nullptr},
         {"join_to_timespine", false},
         {"fill_nulls_with", nullptr}};
  if (v.is_scalar()) {
    j["name"] = v.scalar;
  } else if (v.is_map()) {
    j["name"] = r.text(v, "name", true);
    j["filter"] = r.where(v, "filter");
    j["alias"] = r.text(v, "alias");
    j["join_to_timespine"] = r.flag(v, "join_to_timespine", false);
    if (const YamlNode& f = v["fill_nulls_with"]; f && !f.is_null()) {
      json n = yaml_to_json(f);
      if (!n.is_number_integer()) r.fail(f, "'fill_nulls_with:' must be a whole number");
      j["fill_nulls_with"] = n;
    }
  } else {
    r.fail(v, "a measure must be a name or a mapping with 'name:'");
  }
  marks.at["measure:" + j["name"].get<std::string>()] = {v.line, v.column};
  return j;
}

// A metric input: a name, or {name, filter, alias, offset_window, offset_to_grain}.
json input_metric(const EntryReader& r, const YamlNode& v, DefinitionMarks& marks) {
  json j{{"name", nullptr},
         {"filter", nullptr},
         {"alias", nullptr},
         {"offset_window", nullptr},
         {"offset_to_grain", nullptr}};
  if (v.is_scalar()) {
    j["name"] = v.scalar;
  } else if (v.is_map()) {
    j["name"] = r.text(v, "name", true);
    j["filter"] = r.where(v, "filter");
    j["alias"] = r.text(v, "alias");
    j["offset_window"] = r.window(v, "offset_window");
    if (v["offset_to_grain"]) j["offset_to_grain"] = r.choice(v, "offset_to_grain", kGranularities);
  } else {
    r.fail(v, "a metric input must be a name or a mapping with 'name:'");
  }
  marks.at["metric:" + j["name"].get<std::string>()] = {v.line, v.column};
  return j;
}

json type_params(const EntryReader& r, const YamlNode& item, const std::string& type,
                 DefinitionMarks& marks) {
  const YamlNode& tp = item["type_params"];
  if (!tp || !tp.is_map()) r.fail(tp ? tp : item, "'type_params:' is required (a mapping)");
  json j{{"measure", nullptr},
         {"input_measures", json::array()},
         {"numerator", nullptr},
         {"denominator", nullptr},
         {"expr", r.expr(tp)},
         {"window", r.window(tp, "window")},
         {"grain_to_date", tp["grain_to_date"] ? r.choice(tp, "grain_to_date", kGranularities) : json()},
         {"metrics", json::array()},
         {"conversion_type_params", nullptr},
         {"cumulative_type_params", nullptr},
         {"metric_aggregation_params", nullptr}};
  if (const YamlNode& m = tp["measure"]; m && !m.is_null()) j["measure"] = input_measure(r, m, marks);
  if (const YamlNode& m = tp["numerator"]; m && !m.is_null()) j["numerator"] = input_metric(r, m, marks);
  if (const YamlNode& m = tp["denominator"]; m && !m.is_null()) j["denominator"] = input_metric(r, m, marks);
  for (const auto& m : r.list(tp, "metrics")) j["metrics"].push_back(input_metric(r, m, marks));
  if (const YamlNode& c = tp["conversion_type_params"]; c && !c.is_null()) {
    if (!c.is_map()) r.fail(c, "'conversion_type_params:' must be a mapping");
    if (!c["base_measure"] || !c["conversion_measure"])
      r.fail(c, "'conversion_type_params:' needs 'base_measure:' and 'conversion_measure:'");
    json constant = nullptr;
    if (!r.list(c, "constant_properties").empty()) {
      constant = json::array();
      for (const auto& p : r.list(c, "constant_properties"))
        constant.push_back(json{{"base_property", r.text(p, "base_property", true)},
                                {"conversion_property", r.text(p, "conversion_property", true)}});
    }
    j["conversion_type_params"] =
        json{{"base_measure", input_measure(r, c["base_measure"], marks)},
             {"conversion_measure", input_measure(r, c["conversion_measure"], marks)},
             {"entity", r.text(c, "entity", true)},
             {"calculation", c["calculation"] ? r.choice(c, "calculation", {"conversions", "conversion_rate"})
                                              : json("conversion_rate")},
             {"window", r.window(c, "window")},
             {"constant_properties", constant}};
  }
  if (type == "cumulative") {
    const YamlNode& c = tp["cumulative_type_params"];
    json window = c && c.is_map() && c["window"] ? r.window(c, "window") : j["window"];
    json grain = c && c.is_map() && c["grain_to_date"] ? r.choice(c, "grain_to_date", kGranularities)
                                                       : j["grain_to_date"];
    json period = c && c.is_map() && c["period_agg"] ? r.choice(c, "period_agg", {"first", "last", "average"})
                                                     : json("first");
    j["cumulative_type_params"] =
        json{{"window", window}, {"grain_to_date", grain}, {"period_agg", period}, {"metric", nullptr}};
  }
  // What each type needs (dbt's metric processing asserts the same).
  auto need = [&](bool ok, const std::string& message) {
    if (!ok) r.fail(tp, type + " metric: " + message);
  };
  if (type == "simple" || type == "cumulative")
    need(!j["measure"].is_null(), "'type_params: measure:' is required");
  if (type == "ratio")
    need(!j["numerator"].is_null() && !j["denominator"].is_null(),
         "both 'numerator:' and 'denominator:' must be specified");
  if (type == "derived") {
    need(!j["expr"].is_null(), "'type_params: expr:' is required");
    need(!j["metrics"].empty(), "'type_params: metrics:' must list the metrics the expression uses");
  }
  if (type == "conversion")
    need(!j["conversion_type_params"].is_null(), "'type_params: conversion_type_params:' is required");
  return j;
}

}  // namespace

void parse_semantic_models(const YamlNode& list, const SchemaScope& scope, std::vector<Definition>& out) {
  if (!list.is_sequence())
    scope.file.fail(list, "'semantic_models:' must be a list of entries (- name: ...)");
  for (const auto& item : list.children) {
    std::string name = entry_name(scope, item, "semantic_model");
    EntryReader r(scope, item, "semantic model '" + name + "'");
    Definition d = start(r, item, ResourceType::kSemanticModel, name);
    const YamlNode& model = item["model"];
    if (!model || !model.is_scalar() || model.scalar.empty())
      r.fail(item, "'model:' is required", "model: ref('the_model')");
    std::string ref_text = model.scalar;
    // ref('x') as written, possibly inside {{ }}.
    std::string inner = ref_text;
    if (auto open = inner.find("{{"); open != std::string::npos) {
      auto close = inner.rfind("}}");
      inner = inner.substr(open + 2, close == std::string::npos ? std::string::npos : close - open - 2);
    }
    inner = std::string(trim(std::string(inner)));
    std::vector<std::string> args;
    if (inner.rfind("ref(", 0) == 0 && inner.back() == ')') {
      for (auto& a : split(inner.substr(4, inner.size() - 5), ',')) {
        std::string t(trim(a));
        if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"') && t.back() == t.front())
          args.push_back(t.substr(1, t.size() - 2));
        else
          args.clear(), args.push_back("");
      }
    }
    if (args.empty() || args.size() > 2 || args.back().empty())
      r.fail(model, "'model: " + ref_text + "' must be a ref() call", "model: ref('the_model')");
    RefCall call;
    call.package = args.size() == 2 ? args[0] : "";
    call.name = args.back();
    call.line = model.line;
    d.node.refs.push_back(call);
    std::vector<std::string> measure_names;
    json measure_list = measures(r, item, measure_names);
    json dims = dimensions(r, item);
    json defaults = r.object(item, "defaults");
    // Every measure aggregates over a time dimension of the model (dbt-semantic-interfaces).
    for (const auto& m : measure_list) {
      json agg_time = m["agg_time_dimension"];
      if (agg_time.is_null() && defaults.is_object()) agg_time = defaults.value("agg_time_dimension", json());
      if (agg_time.is_null())
        r.fail(item, "measure '" + m["name"].get<std::string>() + "' has no aggregation time dimension",
               "set 'defaults: agg_time_dimension:' or the measure's 'agg_time_dimension:'");
      bool found = false;
      std::vector<std::string> time_dims;
      for (const auto& dim : dims)
        if (dim["type"] == "time") {
          time_dims.push_back(dim["name"].get<std::string>());
          found = found || dim["name"] == agg_time;
        }
      if (!found) {
        std::string guess = closest_match(agg_time.get<std::string>(), time_dims);
        r.fail(item,
               "the aggregation time dimension '" + agg_time.get<std::string>() + "' of measure '" +
                   m["name"].get<std::string>() + "' is not a time dimension of this semantic model",
               guess.empty() ? "declare it under 'dimensions:' with type: time"
                             : "did you mean '" + guess + "'?");
      }
    }
    d.node.definition = json{{"model", ref_text},
                             {"node_relation", nullptr},
                             {"label", r.text(item, "label")},
                             {"defaults", defaults},
                             {"entities", entities(r, item)},
                             {"measures", measure_list},
                             {"dimensions", dims},
                             {"metadata", nullptr},
                             {"primary_entity", r.text(item, "primary_entity")}};
    out.push_back(std::move(d));
    // `create_metric: true` makes a simple metric of the measure, as dbt does.
    for (const auto& m : measure_list) {
      if (!m["create_metric"].get<bool>()) continue;
      std::string mname = m["name"].get<std::string>();
      Definition metric = start(r, YamlNode{}, ResourceType::kMetric, mname);
      metric.marks = out.back().marks;
      metric.node.description = m["description"].is_string() ? m["description"].get<std::string>()
                                                             : "Metric created from measure " + mname;
      metric.node.config = json{{"enabled", out.back().node.is_enabled()}};
      metric.node.unrendered_config = metric.node.config;
      json measure{{"name", mname},
                   {"filter", nullptr},
                   {"alias", nullptr},
                   {"join_to_timespine", false},
                   {"fill_nulls_with", nullptr}};
      metric.node.definition = json{{"label", m["label"].is_string() ? m["label"] : json(mname)},
                                    {"type", "simple"},
                                    {"type_params",
                                     {{"measure", measure},
                                      {"input_measures", json::array()},
                                      {"numerator", nullptr},
                                      {"denominator", nullptr},
                                      {"expr", mname},
                                      {"window", nullptr},
                                      {"grain_to_date", nullptr},
                                      {"metrics", json::array()},
                                      {"conversion_type_params", nullptr},
                                      {"cumulative_type_params", nullptr},
                                      {"metric_aggregation_params", nullptr}}},
                                    {"filter", nullptr},
                                    {"metadata", nullptr},
                                    {"time_granularity", nullptr}};
      metric.marks.at["measure:" + mname] = {metric.marks.line, metric.marks.column};
      out.push_back(std::move(metric));
    }
  }
}

void parse_metrics(const YamlNode& list, const SchemaScope& scope, std::vector<Definition>& out) {
  if (!list.is_sequence()) scope.file.fail(list, "'metrics:' must be a list of entries (- name: ...)");
  for (const auto& item : list.children) {
    std::string name = entry_name(scope, item, "metric");
    EntryReader r(scope, item, "metric '" + name + "'");
    Definition d = start(r, item, ResourceType::kMetric, name);
    json label = r.text(item, "label", true);
    std::string type =
        r.choice(item, "type", {"simple", "ratio", "cumulative", "derived", "conversion"}).get<std::string>();
    d.node.definition =
        json{{"label", label},
             {"type", type},
             {"type_params", type_params(r, item, type, d.marks)},
             {"filter", r.where(item, "filter")},
             {"metadata", nullptr},
             {"time_granularity",
              item["time_granularity"] ? r.choice(item, "time_granularity", kGranularities) : json()}};
    out.push_back(std::move(d));
  }
}

void parse_saved_queries(const YamlNode& list, const SchemaScope& scope, std::vector<Definition>& out) {
  if (!list.is_sequence()) scope.file.fail(list, "'saved_queries:' must be a list of entries (- name: ...)");
  for (const auto& item : list.children) {
    std::string name = entry_name(scope, item, "saved_query");
    EntryReader r(scope, item, "saved query '" + name + "'");
    Definition d = start(r, item, ResourceType::kSavedQuery, name);
    const YamlNode& qp = item["query_params"];
    if (!qp || !qp.is_map())
      r.fail(qp ? qp : item, "'query_params:' is required (a mapping with 'metrics:')");
    json metrics = json::array(), group_by = json::array(), order_by = json::array();
    for (const auto& m : r.list(qp, "metrics")) {
      if (!m.is_scalar()) r.fail(m, "each of 'metrics:' must be a metric's name");
      metrics.push_back(m.scalar);
      d.marks.at["metric:" + m.scalar] = {m.line, m.column};
    }
    if (metrics.empty()) r.fail(qp, "'query_params: metrics:' must name at least one metric");
    for (const auto& g : r.list(qp, "group_by")) group_by.push_back(g.scalar);
    for (const auto& o : r.list(qp, "order_by")) order_by.push_back(o.scalar);
    json limit = nullptr;
    if (const YamlNode& l = qp["limit"]; l && !l.is_null()) {
      limit = yaml_to_json(l);
      if (!limit.is_number_integer()) r.fail(l, "'limit:' must be a whole number");
    }
    json exports = json::array();
    std::vector<std::string> export_names;
    json default_export_as = d.node.config.value("export_as", json());
    for (const auto& e : r.list(item, "exports")) {
      std::string ename = r.unique_name(e, "export", export_names);
      EntryReader er(scope, e, "saved query '" + name + "', export '" + ename + "'");
      json c = er.object(e, "config");
      if (!c.is_object()) c = json::object();
      json export_as = c.value("export_as", default_export_as);
      if (export_as.is_null()) export_as = "view";
      if (export_as != "table" && export_as != "view")
        er.fail(e["config"], "'export_as:' must be table or view");
      json schema =
          c.contains("schema") ? c["schema"] : c.value("schema_name", d.node.config.value("schema", json()));
      exports.push_back(json{{"name", ename},
                             {"config",
                              {{"export_as", export_as},
                               {"schema_name", schema},
                               {"alias", c.value("alias", json(ename))},
                               {"database", c.value("database", json())}}},
                             {"unrendered_config", c}});
    }
    d.node.definition = json{{"query_params",
                              {{"metrics", metrics},
                               {"group_by", group_by},
                               {"where", r.where(qp, "where")},
                               {"order_by", order_by},
                               {"limit", limit}}},
                             {"exports", exports},
                             {"label", r.text(item, "label")},
                             {"metadata", nullptr}};
    out.push_back(std::move(d));
  }
}

void parse_groups(const YamlNode& list, const SchemaScope& scope, std::vector<Group>& out) {
  if (!list.is_sequence()) scope.file.fail(list, "'groups:' must be a list of entries (- name: ...)");
  for (const auto& item : list.children) {
    Group g;
    g.name = entry_name(scope, item, "group");
    EntryReader r(scope, item, "group '" + g.name + "'");
    g.package_name = scope.package;
    g.unique_id = "group." + scope.package + "." + g.name;
    g.path = scope.path;
    g.original_file_path = scope.original_file_path;
    g.line = item.line;
    json description = r.text(item, "description");
    g.description = description.is_string() ? description.get<std::string>() : "";
    json owner = r.object(item, "owner");
    if (!owner.is_object() || (!owner.contains("name") && !owner.contains("email")))
      r.fail(item["owner"], "'owner:' with a 'name:' or an 'email:' is required");
    g.owner = owner;
    json c = r.object(item, "config");
    g.config = json{{"meta", c.is_object() ? c.value("meta", json::object()) : json::object()}};
    out.push_back(std::move(g));
  }
}

}  // namespace pond::project
