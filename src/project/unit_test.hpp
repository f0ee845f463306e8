#pragma once
// dbt 1.8+ unit tests (schema YAML `unit_tests:`): a model's SQL run on given input rows and
// compared with expected rows. Parsed from YAML here and resolved against the manifest; the
// dbt task library runs them (docs/project.md, "Unit tests").
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pond::project {

class YamlNode;
class YamlTree;
struct Manifest;

// Rows as written: `dict` (a list of mappings), `csv` (text with a header line) or `sql` (a
// query).
struct UnitTestRows {
  std::string format = "dict";
  nlohmann::json rows = nlohmann::json::array();  // dict: array of objects; csv/sql: a string
  // `fixture: name`: the rows are <test-path>/fixtures/**/name.csv or .sql, read when the
  // unit tests join the manifest (rows then hold the file's content).
  std::string fixture;
  // No `rows:` and no fixture, format dict: a seed input's rows come from the seed's file.
  bool rows_given = true;
};

// One `given:` entry: the rows that stand in for a ref(), a source() or `this`.
struct UnitTestInput {
  std::string input;      // as written: "ref('x')", "source('a', 'b')", "this"
  std::string unique_id;  // the node it replaces (the model itself for `this`)
  bool is_this = false;
  UnitTestRows rows;
  int line = 0;
};

struct UnitTest {
  std::string unique_id;  // unit_test.<package>.<model>.<name>
  std::string name;
  std::string package_name;
  std::string model;            // the model's name as written
  std::string model_unique_id;  // resolved
  std::string original_file_path;
  std::string path;  // the YAML file relative to its resource folder
  std::string description;
  int line = 0;
  std::vector<UnitTestInput> given;
  UnitTestRows expect;
  nlohmann::json vars = nlohmann::json::object();      // overrides.vars
  nlohmann::json macros = nlohmann::json::object();    // overrides.macros
  nlohmann::json env_vars = nlohmann::json::object();  // overrides.env_vars
  std::vector<std::string> tags;
  nlohmann::json meta = nlohmann::json::object();
  bool enabled = true;
};

// The entries of a `unit_tests:` list; structural errors at file:line:col.
std::vector<UnitTest> parse_unit_tests(const YamlNode& list, const YamlTree& file, const std::string& package,
                                       const std::string& original_file_path, const std::string& path);

// Resolves each test's model and inputs against the manifest's enabled nodes and adds the
// enabled tests of enabled models to manifest.unit_tests (sorted by unique_id), and each as a
// graph node (resource type unit_test, a child of its model, as dbt's manifest has it). An
// unknown model or input is a UserError at the YAML entry.
void add_unit_tests(Manifest& manifest, std::vector<UnitTest> tests);

// One record of CSV rows: fields separated by commas, "..." quoting with "" for a quote;
// unquoted fields are trimmed. `where` names the test for the error of an unterminated quote.
std::vector<std::string> csv_fields(std::string_view line, const std::string& where);

}  // namespace pond::project
