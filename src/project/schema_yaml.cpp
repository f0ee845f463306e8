#include "project/schema_yaml.hpp"

#include "common/text.hpp"
#include "project/config.hpp"
#include "project/sql_scan.hpp"
#include "project/yaml_tree.hpp"

namespace pond::project {

namespace {

using nlohmann::json;

// Keys of a generic test's arguments that are config, not arguments (dbt's CONFIG_ARGS).
bool is_test_config_arg(const std::string& key) {
  static const std::vector<std::string> keys{
      "severity",  "tags",           "enabled",           "where", "limit",    "warn_if", "error_if",
      "fail_calc", "store_failures", "store_failures_as", "meta",  "database", "schema",  "alias"};
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

class SchemaParser {
 public:
  SchemaParser(const YamlTree& file, const std::string& package, SchemaFile& out)
      : file_(file), package_(package), out_(out) {}

  void parse() {
    const YamlNode& doc = file_.root();
    if (doc.is_null()) return;
    if (!doc.is_map()) file_.fail(doc, "a schema file must be a mapping (version: 2, models: ...)");
    for (std::size_t i = 0; i < doc.size(); ++i) {
      const std::string& key = doc.key(i).scalar;
      const YamlNode& v = doc.value(i);
      if (key == "version" || v.is_null()) continue;
      if (key == "models" || key == "seeds" || key == "snapshots" || key == "analyses") {
        ResourceType type = key == "models"      ? ResourceType::kModel
                            : key == "seeds"     ? ResourceType::kSeed
                            : key == "snapshots" ? ResourceType::kSnapshot
                                                 : ResourceType::kAnalysis;
        for (const auto& item : list(v, key)) out_.patches.push_back(patch(item, type, key));
      } else if (key == "sources") {
        for (const auto& item : list(v, key)) source(item);
      } else if (key == "exposures") {
        for (const auto& item : list(v, key)) exposure(item);
      } else if (key == "macros") {
        for (const auto& item : list(v, key)) {
          MacroPatch m;
          m.name = required_name(item, "macro");
          m.description = text(item["description"], "description");
          if (const YamlNode& args = item["arguments"]; args && args.is_sequence()) {
            for (const auto& a : args.children)
              if (a.is_map() && a["name"]) m.arguments.push_back(a["name"].scalar);
          }
          out_.macros.push_back(std::move(m));
        }
      } else if (key == "unit_tests") {
        out_.unit_tests = parse_unit_tests(v, file_, package_, out_.original_file_path, out_.path);
      } else if (key == "semantic_models" || key == "metrics" || key == "saved_queries" || key == "groups") {
        SchemaScope scope{file_, package_, out_.original_file_path, out_.path, fqn_prefix()};
        if (key == "semantic_models") parse_semantic_models(v, scope, out_.definitions);
        if (key == "metrics") parse_metrics(v, scope, out_.definitions);
        if (key == "saved_queries") parse_saved_queries(v, scope, out_.definitions);
        if (key == "groups") parse_groups(v, scope, out_.groups);
      }
    }
  }

 private:
  const std::vector<YamlNode>& list(const YamlNode& v, const std::string& key) {
    if (!v.is_sequence()) file_.fail(v, "'" + key + ":' must be a list of entries (- name: ...)");
    for (const auto& item : v.children)
      if (!item.is_map()) file_.fail(item, "each entry of '" + key + ":' must be a mapping with 'name:'");
    return v.children;
  }

  std::string required_name(const YamlNode& item, const std::string& what) {
    const YamlNode& name = item["name"];
    if (!name || !name.is_scalar() || name.scalar.empty())
      file_.fail(item, "this " + what + " entry has no 'name:'");
    return name.scalar;
  }

  std::string text(const YamlNode& node, const std::string& key) {
    if (!node || node.is_null()) return {};
    if (!node.is_scalar()) file_.fail(node, "'" + key + ":' must be text");
    return node.scalar;
  }

  json object(const YamlNode& node, const std::string& key) {
    if (!node || node.is_null()) return json::object();
    if (!node.is_map()) file_.fail(node, "'" + key + ":' must be a mapping");
    return yaml_to_json(node);
  }

  std::vector<std::string> tags(const YamlNode& node) {
    std::vector<std::string> out;
    if (!node || node.is_null()) return out;
    if (node.is_scalar()) return {node.scalar};
    if (!node.is_sequence()) file_.fail(node, "'tags:' must be a tag or a list of tags");
    for (const auto& t : node.children) out.push_back(t.scalar);
    return out;
  }

  static void set_mark(const YamlNode& node, int& line, int& column) {
    if (node.line > 0) {
      line = node.line;
      column = node.column;
    }
  }

  std::vector<Column> columns(const YamlNode& node, std::vector<TestSpec>* tests) {
    std::vector<Column> out;
    if (!node || node.is_null()) return out;
    for (const auto& c : list(node, "columns")) {
      Column col;
      col.name = required_name(c, "column");
      col.description = text(c["description"], "description");
      col.data_type = text(c["data_type"], "data_type");
      col.meta = object(c["meta"], "meta");
      if (const YamlNode& cc = c["config"]; cc && cc.is_map()) {
        if (cc["meta"]) col.meta.update(object(cc["meta"], "meta"));
        for (auto& t : tags(cc["tags"])) col.tags.push_back(t);
      }
      for (auto& t : tags(c["tags"])) col.tags.push_back(t);
      if (const YamlNode& cons = c["constraints"]; cons && cons.is_sequence())
        col.constraints = yaml_to_json(cons);
      if (tests) {
        for (const char* key : {"data_tests", "tests"}) {
          if (const YamlNode& t = c[key]; t && !t.is_null()) test_list(t, col.name, *tests);
        }
      }
      out.push_back(std::move(col));
    }
    return out;
  }

  void test_list(const YamlNode& node, const std::string& column, std::vector<TestSpec>& out) {
    if (!node.is_sequence()) file_.fail(node, "'data_tests:' must be a list of tests");
    for (const auto& t : node.children) out.push_back(test(t, column));
  }

  TestSpec test(const YamlNode& node, const std::string& column) {
    TestSpec spec;
    spec.column_name = column;
    set_mark(node, spec.line, spec.column);
    if (node.is_scalar()) {
      spec.test_name = node.scalar;
      return spec;
    }
    if (!node.is_map()) file_.fail(node, "a test must be a name or a mapping {test_name: {arguments}}");
    json args = json::object();
    if (node["test_name"]) {
      // - name: my_name
      //   test_name: accepted_values
      //   values: [...]
      spec.test_name = node["test_name"].scalar;
      json all = yaml_to_json(node);
      all.erase("test_name");
      args = std::move(all);
    } else {
      if (node.size() != 1) {
        file_.fail(node, "a test entry must have exactly one key, the test's name",
                   "write '- accepted_values: {values: [...]}' or '- not_null'");
      }
      spec.test_name = node.key(0).scalar;
      const YamlNode& arguments = node.value(0);
      if (!arguments.is_null()) {
        if (!arguments.is_map())
          file_.fail(arguments, "the arguments of test '" + spec.test_name + "' must be a mapping");
        args = yaml_to_json(arguments);
      }
    }
    if (args.contains("name")) {
      if (args["name"].is_string()) spec.custom_name = args["name"].get<std::string>();
      args.erase("name");
    }
    if (args.contains("description")) {
      if (args["description"].is_string()) spec.description = args["description"].get<std::string>();
      args.erase("description");
    }
    if (args.contains("config")) {
      if (args["config"].is_object()) spec.config = args["config"];
      args.erase("config");
    }
    if (args.contains("arguments")) {  // dbt 1.10+: arguments under their own key
      if (args["arguments"].is_object())
        for (auto& [k, v] : args["arguments"].items()) args[k] = v;
      args.erase("arguments");
    }
    for (auto it = args.begin(); it != args.end();) {
      if (is_test_config_arg(it.key())) {
        spec.config[it.key()] = it.value();
        it = args.erase(it);
      } else {
        ++it;
      }
    }
    spec.config = normalize_config(spec.config);
    spec.args = std::move(args);
    return spec;
  }

  NodePatch patch(const YamlNode& item, ResourceType type, const std::string& key) {
    NodePatch p;
    p.type = type;
    p.name = required_name(item, key.substr(0, key.size() - 1));
    set_mark(item, p.line, p.column);
    p.description = text(item["description"], "description");
    p.config = normalize_config(object(item["config"], "config"));
    // `access:` and `group:` are model properties as well as configs (the config wins).
    for (const char* k : {"access", "group"})
      if (const YamlNode& v = item[k]; v && v.is_scalar() && !p.config.contains(k)) p.config[k] = v.scalar;
    p.meta = object(item["meta"], "meta");
    p.tags = tags(item["tags"]);
    if (const YamlNode& d = item["docs"]; d && d.is_map()) p.docs = yaml_to_json(d);
    p.columns = columns(item["columns"], &p.tests);
    for (const char* tk : {"data_tests", "tests"}) {
      if (const YamlNode& t = item[tk]; t && !t.is_null()) test_list(t, "", p.tests);
    }
    return p;
  }

  void source(const YamlNode& item) {
    std::string source_name = required_name(item, "source");
    std::string description = text(item["description"], "description");
    std::string schema = item["schema"] ? text(item["schema"], "schema") : source_name;
    std::string database = text(item["database"], "database");
    std::string loader = text(item["loader"], "loader");
    json meta = object(item["meta"], "meta");
    std::vector<std::string> source_tags = tags(item["tags"]);
    json config = normalize_config(object(item["config"], "config"));
    json freshness = item["freshness"] ? yaml_to_json(item["freshness"]) : json();
    if (config.contains("freshness")) freshness = config["freshness"];
    std::string loaded_at = text(item["loaded_at_field"], "loaded_at_field");
    if (config.contains("loaded_at_field") && config["loaded_at_field"].is_string())
      loaded_at = config["loaded_at_field"].get<std::string>();
    const YamlNode& tables = item["tables"];
    if (!tables || tables.is_null()) return;
    for (const auto& t : list(tables, "tables")) {
      SourceEntry e;
      Node& n = e.node;
      n.resource_type = ResourceType::kSource;
      n.package_name = package_;
      n.source_name = source_name;
      n.name = required_name(t, "table");
      n.unique_id = "source." + package_ + "." + source_name + "." + n.name;
      n.original_file_path = out_.original_file_path;
      n.path = out_.original_file_path;
      n.fqn = fqn_prefix();
      n.fqn.push_back(source_name);
      n.fqn.push_back(n.name);
      n.source_description = description;
      n.description = text(t["description"], "description");
      n.identifier = t["identifier"] ? text(t["identifier"], "identifier") : n.name;
      n.schema = schema;
      n.database = database;
      n.loader = loader;
      n.meta = meta;
      n.meta.update(object(t["meta"], "meta"));
      n.tags = source_tags;
      for (auto& tag : tags(t["tags"]))
        if (std::find(n.tags.begin(), n.tags.end(), tag) == n.tags.end()) n.tags.push_back(tag);
      n.config = json::object();
      merge_config(n.config, config);
      merge_config(n.config, normalize_config(object(t["config"], "config")));
      n.freshness = t["freshness"] ? yaml_to_json(t["freshness"]) : freshness;
      n.loaded_at_field = t["loaded_at_field"] ? text(t["loaded_at_field"], "loaded_at_field") : loaded_at;
      if (t["external"]) n.external = yaml_to_json(t["external"]);
      n.columns = columns(t["columns"], &e.tests);
      for (const char* tk : {"data_tests", "tests"}) {
        if (const YamlNode& tt = t[tk]; tt && !tt.is_null()) test_list(tt, "", e.tests);
      }
      out_.sources.push_back(std::move(e));
    }
  }

  void exposure(const YamlNode& item) {
    Node n;
    n.resource_type = ResourceType::kExposure;
    n.package_name = package_;
    n.name = required_name(item, "exposure");
    n.unique_id = "exposure." + package_ + "." + n.name;
    n.original_file_path = out_.original_file_path;
    n.path = out_.path;
    n.fqn = fqn_prefix();
    n.fqn.push_back(n.name);
    n.description = text(item["description"], "description");
    n.meta = object(item["meta"], "meta");
    n.tags = tags(item["tags"]);
    n.config = normalize_config(object(item["config"], "config"));
    json e = json::object();
    for (const char* k : {"type", "label", "maturity", "url"})
      e[k] = item[k] ? yaml_to_json(item[k]) : json();
    e["owner"] = object(item["owner"], "owner");
    if (!item["type"])
      file_.fail(item, "exposure '" + n.name + "' needs a 'type:'",
                 "one of dashboard, notebook, analysis, ml, application");
    n.exposure = std::move(e);
    if (const YamlNode& deps = item["depends_on"]; deps && !deps.is_null()) {
      if (!deps.is_sequence()) file_.fail(deps, "'depends_on:' must be a list of ref()/source() calls");
      for (const auto& d : deps.children) {
        int line = 0, col = 0;
        set_mark(d, line, col);
        SqlScan s = scan_sql("{{ " + d.scalar + " }}");
        if (s.refs.empty() && s.sources.empty())
          file_.fail(d, "'" + d.scalar + "' is not a ref() or source() call");
        for (auto r : s.refs) {
          r.line = line;
          n.refs.push_back(r);
        }
        for (auto sc : s.sources) {
          sc.line = line;
          n.sources.push_back(sc);
        }
      }
    }
    out_.exposures.push_back(std::move(n));
  }

  // [package, folders of the YAML file below its resource path...]
  std::vector<std::string> fqn_prefix() const {
    std::vector<std::string> fqn{package_};
    std::vector<std::string> parts = split(out_.path, '/');
    if (!parts.empty()) parts.pop_back();
    for (auto& p : parts)
      if (!p.empty()) fqn.push_back(p);
    return fqn;
  }

  const YamlTree& file_;
  const std::string& package_;
  SchemaFile& out_;
};

}  // namespace

SchemaFile parse_schema_file(const YamlTree& file, const std::string& package,
                             const std::string& original_file_path, const std::string& path) {
  SchemaFile out;
  out.original_file_path = original_file_path;
  out.path = path;
  SchemaParser(file, package, out).parse();
  return out;
}

}  // namespace pond::project
