#include "project/project_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "common/log.hpp"
#include "common/text.hpp"
#include "project/yaml_file.hpp"
#include "project/yaml_json.hpp"

namespace pond::project {

namespace {

std::vector<std::string> string_list(const YamlFile& file, const YAML::Node& node, const std::string& key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!item.IsScalar()) file.fail(item, "'" + key + ":' must be a list of strings");
      out.push_back(item.Scalar());
    }
  } else if (!node.IsNull()) {
    file.fail(node, "'" + key + ":' must be a list of strings");
  }
  return out;
}

std::string scalar(const YamlFile& file, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) file.fail(node, "'" + key + ":' must be a single value");
  return node.Scalar();
}

nlohmann::json mapping(const YamlFile& file, const YAML::Node& node, const std::string& key) {
  if (node.IsNull()) return nlohmann::json::object();
  if (!node.IsMap()) file.fail(node, "'" + key + ":' must be a mapping");
  return yaml_to_json(node);
}

// Keys dbt_project.yml may have; anything else is reported with a suggestion.
const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys{"name",
                                             "version",
                                             "config-version",
                                             "profile",
                                             "model-paths",
                                             "source-paths",
                                             "seed-paths",
                                             "data-paths",
                                             "test-paths",
                                             "analysis-paths",
                                             "macro-paths",
                                             "snapshot-paths",
                                             "docs-paths",
                                             "asset-paths",
                                             "target-path",
                                             "log-path",
                                             "packages-install-path",
                                             "clean-targets",
                                             "query-comment",
                                             "require-dbt-version",
                                             "vars",
                                             "models",
                                             "seeds",
                                             "snapshots",
                                             "tests",
                                             "data_tests",
                                             "sources",
                                             "exposures",
                                             "metrics",
                                             "semantic-models",
                                             "saved-queries",
                                             "analyses",
                                             "unit_tests",
                                             "on-run-start",
                                             "on-run-end",
                                             "quoting",
                                             "dispatch",
                                             "restrict-access",
                                             "flags",
                                             "dbt-cloud",
                                             "functions"};
  return keys;
}

}  // namespace

ProjectFile ProjectFile::load(const std::filesystem::path& root) {
  YamlFile file = YamlFile::load(root / "dbt_project.yml");
  const YAML::Node& doc = file.root();
  if (!doc.IsMap()) file.fail(doc, "dbt_project.yml must be a mapping of keys to values");

  ProjectFile out;
  out.root = root;
  const YAML::Node name = doc["name"];
  if (!name || !name.IsScalar() || name.Scalar().empty()) {
    file.fail(name ? name : doc, "dbt_project.yml needs a 'name:' (the project's name)");
  }
  out.name = name.Scalar();
  const YAML::Node profile = doc["profile"];
  if (profile && !profile.IsScalar()) file.fail(profile, "'profile:' must be a profile name");
  out.profile = profile ? profile.Scalar() : out.name;

  for (const auto& kv : doc) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "version") {
      out.version = v.IsScalar() ? v.Scalar() : "";
    } else if (key == "model-paths" || key == "source-paths") {
      out.model_paths = string_list(file, v, key);
    } else if (key == "seed-paths" || key == "data-paths") {
      out.seed_paths = string_list(file, v, key);
    } else if (key == "snapshot-paths") {
      out.snapshot_paths = string_list(file, v, key);
    } else if (key == "test-paths") {
      out.test_paths = string_list(file, v, key);
    } else if (key == "macro-paths") {
      out.macro_paths = string_list(file, v, key);
    } else if (key == "analysis-paths") {
      out.analysis_paths = string_list(file, v, key);
    } else if (key == "docs-paths") {
      out.docs_paths = string_list(file, v, key);
    } else if (key == "clean-targets") {
      out.clean_targets = string_list(file, v, key);
    } else if (key == "target-path") {
      out.target_path = scalar(file, v, key);
    } else if (key == "packages-install-path") {
      out.packages_install_path = scalar(file, v, key);
    } else if (key == "require-dbt-version") {
      out.require_dbt_version = v.IsScalar() ? v.Scalar() : YAML::Dump(v);
    } else if (key == "vars") {
      out.vars = mapping(file, v, key);
    } else if (key == "models") {
      out.models = mapping(file, v, key);
    } else if (key == "seeds") {
      out.seeds = mapping(file, v, key);
    } else if (key == "snapshots") {
      out.snapshots = mapping(file, v, key);
    } else if (key == "tests" || key == "data_tests") {
      out.tests.update(mapping(file, v, key), true);
    } else if (key == "sources") {
      out.sources = mapping(file, v, key);
    } else if (key == "exposures") {
      out.exposures = mapping(file, v, key);
    } else if (key == "analyses") {
      out.analyses = mapping(file, v, key);
    } else if (key == "quoting") {
      out.quoting = mapping(file, v, key);
    } else if (key == "dispatch") {
      if (!v.IsSequence()) file.fail(v, "'dispatch:' must be a list of {macro_namespace, search_order}");
      out.dispatch = yaml_to_json(v);
    } else if (key == "on-run-start") {
      out.on_run_start = string_list(file, v, key);
    } else if (key == "on-run-end") {
      out.on_run_end = string_list(file, v, key);
    } else if (std::find(known_keys().begin(), known_keys().end(), key) == known_keys().end()) {
      // dbt ignores keys it does not know; a warning with a suggestion catches typos.
      std::string guess = closest_match(key, known_keys());
      YAML::Mark m = kv.first.Mark();
      log::warn("{}:{}:{}: unknown key '{}' in dbt_project.yml{}", file.name(), m.line + 1, m.column + 1, key,
                guess.empty() ? "" : " (did you mean '" + guess + "'?)");
    }
  }
  return out;
}

}  // namespace pond::project
