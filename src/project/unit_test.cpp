#include "project/unit_test.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/error.hpp"
#include "common/text.hpp"
#include "project/hashing.hpp"
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
  if (const YamlNode& f = entry["fixture"]; f && !f.is_null()) {
    if (!f.is_scalar() || f.scalar.empty())
      file.fail(f, std::string(what) +
                       ": 'fixture:' must name a file of <test-path>/fixtures/ (without extension)");
    if (out.format == "dict")
      file.fail(f, std::string(what) + ": a fixture file holds csv or sql rows, but the format is dict",
                "add 'format: csv' (or sql) next to 'fixture:'");
    out.fixture = f.scalar;
    out.rows = std::string();
    return out;
  }
  const YamlNode& rows = entry["rows"];
  if (out.format == "dict" && (!rows || rows.is_null())) out.rows_given = false;
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

// The rows as dbt's manifest holds them: csv text becomes a list of mappings (an empty field
// is null), dict rows stay, sql stays text.
json manifest_rows(const UnitTestRows& rows, const std::string& where) {
  if (rows.format != "csv") return rows.rows;
  json out = json::array();
  std::vector<std::string> header;
  for (std::string_view line : split(rows.rows.get<std::string>(), '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    std::vector<std::string> fields = csv_fields(line, where);
    if (header.empty()) {
      header = std::move(fields);
      continue;
    }
    json row = json::object();
    for (std::size_t k = 0; k < header.size(); ++k)
      row[header[k]] = k < fields.size() && !fields[k].empty() ? json(fields[k]) : json();
    out.push_back(std::move(row));
  }
  return out;
}

json fixture_json(const UnitTestRows& rows, const std::string& where, const std::string* input) {
  json j = json::object();
  if (input) j["input"] = *input;
  j["rows"] = manifest_rows(rows, where);
  j["format"] = rows.format;
  j["fixture"] = rows.fixture.empty() ? json() : json(rows.fixture);
  return j;
}

// A unit test as a graph node: fqn [package, folders below the resource folder, model, name].
Node unit_test_node(const UnitTest& t, const Node& model, const std::string& where) {
  Node n;
  n.resource_type = ResourceType::kUnitTest;
  n.unique_id = t.unique_id;
  n.name = t.name;
  n.package_name = t.package_name;
  n.path = t.path;
  n.original_file_path = t.original_file_path;
  n.description = t.description;
  n.fqn = {t.package_name};
  std::vector<std::string> folders = split(t.original_file_path, '/');
  for (std::size_t i = 1; i + 1 < folders.size(); ++i) n.fqn.push_back(folders[i]);
  n.fqn.push_back(t.model);
  n.fqn.push_back(t.name);
  n.tags = t.tags;
  n.meta = t.meta;
  n.config = json{{"enabled", true}, {"tags", t.tags}, {"meta", t.meta}};
  n.depends_on_nodes = {model.unique_id};
  json given = json::array();
  for (const auto& g : t.given) given.push_back(fixture_json(g.rows, where, &g.input));
  json expect = fixture_json(t.expect, where, nullptr);
  json overrides = nullptr;
  if (!t.vars.empty() || !t.macros.empty() || !t.env_vars.empty())
    overrides = json{{"macros", t.macros}, {"vars", t.vars}, {"env_vars", t.env_vars}};
  // dbt hashes everything but the description (for state:modified); the same parts here.
  std::string checksum =
      sha256_hex(t.model + "-" + given.dump() + "-" + expect.dump() + "-" + overrides.dump());
  n.checksum = checksum;
  n.definition =
      json{{"model", t.model},     {"given", given},         {"expect", expect},    {"overrides", overrides},
           {"checksum", checksum}, {"schema", model.schema}, {"versions", nullptr}, {"version", nullptr}};
  return n;
}

}  // namespace

std::vector<std::string> csv_fields(std::string_view line, const std::string& where) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = was_quoted = true;
    } else if (c == ',') {
      out.push_back(was_quoted ? field : std::string(trim(field)));
      field.clear();
      was_quoted = false;
    } else {
      field += c;
    }
  }
  if (quoted) throw UserError(where + ": unterminated quote in the CSV rows: " + std::string(line));
  out.push_back(was_quoted ? field : std::string(trim(field)));
  return out;
}

std::vector<UnitTest> parse_unit_tests(const YamlNode& list, const YamlTree& file, const std::string& package,
                                       const std::string& original_file_path, const std::string& path) {
  std::vector<UnitTest> out;
  if (!list.is_sequence()) file.fail(list, "'unit_tests:' must be a list of entries (- name: ...)");
  for (const auto& item : list.children) {
    if (!item.is_map()) file.fail(item, "each entry of 'unit_tests:' must be a mapping with 'name:'");
    UnitTest t;
    t.package_name = package;
    t.original_file_path = original_file_path;
    t.path = path;
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
    }
    if (const YamlNode& c = item["config"]; c && c.is_map()) {
      json config = yaml_to_json(c);
      if (config.contains("enabled") && config["enabled"].is_boolean())
        t.enabled = config["enabled"].get<bool>();
      if (config.contains("meta") && config["meta"].is_object()) t.meta = config["meta"];
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

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// <test-path>/fixtures/**/<name>.csv or .sql of the package, as dbt's FixtureParser finds them.
void load_fixture(const Manifest& manifest, const UnitTest& t, UnitTestRows& rows, const SourceLocation& at) {
  std::vector<std::string> test_paths = {"tests"};
  if (const ProjectFile* pf = manifest.package_file(t.package_name)) test_paths = pf->test_paths;
  std::filesystem::path root = manifest.root_of(t.package_name);
  std::string wanted = rows.fixture + (rows.format == "sql" ? ".sql" : ".csv");
  std::vector<std::filesystem::path> found;
  for (const auto& tp : test_paths) {
    std::error_code ec;
    std::filesystem::path dir = root / tp / "fixtures";
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file() && it->path().filename() == wanted) found.push_back(it->path());
  }
  if (found.empty())
    throw UserError(at, "unit test '" + t.name + "': fixture file '" + wanted + "' not found",
                    "put it under " + (test_paths.empty() ? std::string("tests") : test_paths[0]) +
                        "/fixtures/ (fixture files are csv or sql, named after the fixture)");
  if (found.size() > 1)
    throw UserError(at,
                    "unit test '" + t.name + "': two fixture files are named '" + wanted +
                        "': " + found[0].string() + " and " + found[1].string(),
                    "fixture names are unique per project: rename one");
  rows.rows = read_text(found[0]);
}

// A seed given without rows stands in with the seed's own rows (dbt's _load_rows_from_seed).
void load_seed_rows(const Manifest& manifest, const UnitTest& t, const Node& seed, UnitTestRows& rows,
                    const SourceLocation& at) {
  if (seed.resource_type != ResourceType::kSeed)
    throw UserError(at, "unit test '" + t.name + "': input " + seed.name + " has no 'rows:'",
                    "only a seed may be given without rows (its file's rows are used)");
  std::filesystem::path file = manifest.root_of(seed.package_name) / seed.original_file_path;
  UnitTestRows csv{"csv", read_text(file), "", true};
  rows.rows = manifest_rows(csv, at.to_string());
}

}  // namespace

void add_unit_tests(Manifest& manifest, std::vector<UnitTest> tests) {
  std::vector<Node> nodes;
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
      if (!in.rows.fixture.empty()) load_fixture(manifest, t, in.rows, at);
      if (!in.rows.rows_given) load_seed_rows(manifest, t, *node, in.rows, at);
    }
    if (!t.expect.fixture.empty()) load_fixture(manifest, t, t.expect, where);
    nodes.push_back(unit_test_node(t, *model, where.to_string() + ": unit test '" + t.name + "'"));
    manifest.unit_tests.push_back(std::move(t));
  }
  std::sort(manifest.unit_tests.begin(), manifest.unit_tests.end(),
            [](const UnitTest& a, const UnitTest& b) { return a.unique_id < b.unique_id; });
  for (std::size_t i = 1; i < manifest.unit_tests.size(); ++i) {
    const UnitTest& t = manifest.unit_tests[i];
    if (t.unique_id == manifest.unit_tests[i - 1].unique_id)
      throw UserError(SourceLocation{manifest.display_path(t.package_name, t.original_file_path), t.line, 0},
                      "two unit tests of the model '" + t.model + "' are named '" + t.name + "'",
                      "give one of them a different name");
  }
  manifest.add_nodes(std::move(nodes));
}

}  // namespace pond::project
