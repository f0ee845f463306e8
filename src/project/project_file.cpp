#include "project/project_file.hpp"

#include <yaml-cpp/yaml.h>

#include "project/yaml_file.hpp"

namespace pond::project {

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
  if (const YAML::Node tp = doc["target-path"]; tp && tp.IsScalar()) out.target_path = tp.Scalar();
  return out;
}

}  // namespace pond::project
