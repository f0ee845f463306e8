#include "project/unit_test.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/error.hpp"
#include "project/manifest.hpp"
#include "project/yaml_tree.hpp"

namespace pond::project {

namespace {

using nlohmann::json;

UnitTestRows rows_of(const YamlNode& entry, const YamlTree& file, const char* what) {
  UnitTestRows out;
  if (const YamlNode& f = entry["format"]; f) {
    if (!f.is_scalar() || (f.scalar != "dict" && f.scalar != "csv" && f.scalar != "sql"))
      file.fail(f, std::string(what) + ": 'format:' must be dict, csv or sql");
    out.format = f.scalar;
  }
  if (entry["fixture"])
    file.fail(entry["fixture"], std::string(what) + ": fixture files are not supported by pond yet",
              "write the rows inline under 'rows:'");
  const YamlNode& rows = entry["rows"];
  if (out.format == "dict") {
    if (rows && !rows.is_null() && !rows.is_sequence())
      file.fail(rows, std::string(what) + ": 'rows:' of format dict must be a list of mappings");
    if (rows && rows.is_sequence())
      for (const auto& r : rows.children)
        if (!r.is_map()) file.fail(r, std::string(what) + ": each row must be a mapping (column: value)");
    out.rows = rows && rows.is_sequence() ? yaml_to_json(rows) : json::array();
  } else {
    if (!rows || !rows.is_scalar())
      file.fail(rows ? rows : entry,
                std::string(what) + ": 'rows:' of format " + out.format + " must be text");
    out.rows = rows.scalar;
  }
  return out;
}

// The quoted arguments of "name('a', "b")"; nullopt unless the text is exactly such a call.
std::optional<std::vector<std::string>> call_args(std::string_view text, std::string_view name) {
  auto skip = [&](std::size_t i) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    return i;
  };
  std::size_t i = skip(0);
  if (text.compare(i, name.size(), name) != 0) return std::nullopt;
  i = skip(i + name.size());
  if (i >= text.size() || text[i] != '(') return std::nullopt;
  std::vector<std::string> args;
  i = skip(i + 1);
  while (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
    std::size_t close = text.find(text[i], i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    args.emplace_back(text.substr(i + 1, close - i - 1));
    i = skip(close + 1);
    if (i < text.size() && text[i] == ',') i = skip(i + 1);
  }
  if (i >= text.size() || text[i] != ')' || skip(i + 1) != text.size()) return std::nullopt;
  return args;
}

}  // namespace

std::vector<UnitTest> parse_unit_tests(const YamlNode& list, const YamlTree& file, const std::string& package,
                                       const std::string& original_file_path) {
  std::vector<UnitTest> out;
  if (!list.is_sequence()) file.fail(list, "'unit_tests:' must be a list of entries (- name: ...)");
  for (const auto& item : list.children) {
    if (!item.is_map()) file.fail(item, "each entry of 'unit_tests:' must be a mapping with 'name:'");
    UnitTest t;
    t.package_name = package;
    t.original_file_path = original_file_path;
    t.line = item.line;
    const YamlNode& name = item["name"];
    if (!name || !name.is_scalar() || name.scalar.empty()) file.fail(item, "this unit test has no 'name:'");
    t.name = name.scalar;
    const YamlNode& model = item["model"];
    if (!model || !model.is_scalar() || model.scalar.empty())
      file.fail(item, "unit test '" + t.name + "' has no 'model:'");
    t.model = model.scalar;
    if (const YamlNode& d = item["description"]; d && d.is_scalar()) t.description = d.scalar;
    const YamlNode& given = item["given"];
    if (given && !given.is_null()) {
      if (!given.is_sequence()) file.fail(given, "unit test '" + t.name + "': 'given:' must be a list");
      for (const auto& g : given.children) {
        if (!g.is_map() || !g["input"] || !g["input"].is_scalar())
          file.fail(g, "unit test '" + t.name +
                           "': each 'given:' entry needs 'input:' (ref('...'), source(...) or this)");
        UnitTestInput in;
        in.input = g["input"].scalar;
        in.line = g.line;
        in.rows = rows_of(g, file, ("unit test '" + t.name + "', input " + in.input).c_str());
        t.given.push_back(std::move(in));
      }
    }
    const YamlNode& expect = item["expect"];
    if (!expect || !expect.is_map()) file.fail(item, "unit test '" + t.name + "' has no 'expect:' mapping");
    t.expect = rows_of(expect, file, ("unit test '" + t.name + "', expect").c_str());
    if (const YamlNode& o = item["overrides"]; o && !o.is_null()) {
      if (!o.is_map()) file.fail(o, "unit test '" + t.name + "': 'overrides:' must be a mapping");
      for (auto [key, target] :
           {std::pair{"vars", &t.vars}, std::pair{"macros", &t.macros}, std::pair{"env_vars", &t.env_vars}}) {
        const YamlNode& v = o[key];
        if (!v || v.is_null()) continue;
        if (!v.is_map())
          file.fail(v, "unit test '" + t.name + "': 'overrides: " + key + ":' must be a mapping");
        *target = yaml_to_json(v);
      }
      if (!t.env_vars.empty())
        file.fail(o["env_vars"],
                  "unit test '" + t.name + "': 'overrides: env_vars:' is not supported by pond yet",
                  "set the variables in the environment of the test run");
      for (const auto& [macro, value] : t.macros.items())
        if (macro != "is_incremental")
          file.fail(o["macros"], "unit test '" + t.name + "': overriding the macro '" + macro +
                                     "' is not supported by pond yet (only is_incremental)");
    }
    if (const YamlNode& c = item["config"]; c && c.is_map()) {
      json config = yaml_to_json(c);
      if (config.contains("enabled") && config["enabled"].is_boolean())
        t.enabled = config["enabled"].get<bool>();
      if (config.contains("tags")) {
        const json& tags = config["tags"];
        if (tags.is_string()) t.tags.push_back(tags.get<std::string>());
        if (tags.is_array())
          for (const auto& x : tags)
            if (x.is_string()) t.tags.push_back(x.get<std::string>());
      }
    }
    t.unique_id = "unit_test." + package + "." + t.model + "." + t.name;
    out.push_back(std::move(t));
  }
  return out;
}

void add_unit_tests(Manifest& manifest, std::vector<UnitTest> tests) {
  for (auto& t : tests) {
    if (!t.enabled) continue;
    SourceLocation where{manifest.display_path(t.package_name, t.original_file_path), t.line, 0};
    const Node* model = manifest.resolve_ref("", t.model, t.package_name);
    if (!model) {
      bool disabled = std::any_of(manifest.disabled.begin(), manifest.disabled.end(),
                                  [&](const Node& n) { return n.name == t.model; });
      if (disabled) continue;  // as dbt: the unit tests of a disabled model are not run
      throw UserError(where,
                      "unit test '" + t.name + "' tests the model '" + t.model + "', which was not found");
    }
    if (model->resource_type != ResourceType::kModel)
      throw UserError(where, "unit test '" + t.name + "': '" + t.model + "' is not a model");
    t.model_unique_id = model->unique_id;
    for (auto& in : t.given) {
      SourceLocation at{where.file, in.line, 0};
      const Node* node = nullptr;
      if (in.input == "this") {
        in.is_this = true;
        node = model;
      } else if (auto ref = call_args(in.input, "ref"); ref && (ref->size() == 1 || ref->size() == 2)) {
        node = ref->size() == 1 ? manifest.resolve_ref("", (*ref)[0], t.package_name)
                                : manifest.resolve_ref((*ref)[0], (*ref)[1], t.package_name);
      } else if (auto src = call_args(in.input, "source"); src && src->size() == 2) {
        node = manifest.resolve_source((*src)[0], (*src)[1]);
      } else {
        throw UserError(
            at, "unit test '" + t.name + "': input '" + in.input + "' is not ref(...), source(...) or this");
      }
      if (!node) throw UserError(at, "unit test '" + t.name + "': input " + in.input + " was not found");
      in.unique_id = node->unique_id;
    }
    manifest.unit_tests.push_back(std::move(t));
  }
  std::sort(manifest.unit_tests.begin(), manifest.unit_tests.end(),
            [](const UnitTest& a, const UnitTest& b) { return a.unique_id < b.unique_id; });
}

}  // namespace pond::project
