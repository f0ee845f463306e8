#include "project/config_paths.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "project/config.hpp"

namespace pond::project {

namespace {

using nlohmann::json;

struct Tree {
  ResourceType type;
  const char* key;  // as dbt names the tree in its message
  const json* root;
};

bool applies(const Manifest& m, ResourceType type, const std::vector<std::string>& path) {
  auto under = [&](const Node& n) {
    return n.resource_type == type && n.fqn.size() >= path.size() &&
           std::equal(path.begin(), path.end(), n.fqn.begin());
  };
  return std::any_of(m.nodes.begin(), m.nodes.end(), under) ||
         std::any_of(m.disabled.begin(), m.disabled.end(), under);
}

std::string dotted(const char* tree, const std::vector<std::string>& path) {
  std::string out = tree;
  for (const auto& p : path) out += "." + p;
  return out;
}

void walk(const Manifest& m, const Tree& t, const json& level, std::vector<std::string>& path,
          std::vector<std::string>& unused, std::vector<std::string>& typos) {
  for (const auto& [key, value] : level.items()) {
    if (!key.empty() && key[0] == '+') {
      std::string name = key.substr(1);
      const auto& known = known_config_names();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string guess = closest_match(name, known);
        if (!guess.empty())
          typos.push_back("dbt_project.yml: '" + key + "' under " + dotted(t.key, path) +
                          " is not a config dbt knows (did you mean '+" + guess +
                          "'?); it is kept as a custom config and changes nothing");
      }
      continue;
    }
    path.push_back(key);
    bool is_path = value.is_object() && applies(m, t.type, path);
    if (is_path) {
      walk(m, t, value, path, unused, typos);
    } else if (!is_config_key(key)) {
      unused.push_back(dotted(t.key, path));
    }
    path.pop_back();
  }
}

}  // namespace

std::vector<std::string> config_path_warnings(const Manifest& m) {
  const ProjectFile& p = m.project;
  std::vector<std::string> unused, typos;
  for (const Tree& t :
       {Tree{ResourceType::kModel, "models", &p.models}, Tree{ResourceType::kSeed, "seeds", &p.seeds},
        Tree{ResourceType::kSnapshot, "snapshots", &p.snapshots},
        Tree{ResourceType::kTest, "data_tests", &p.tests}}) {
    if (!t.root->is_object()) continue;
    std::vector<std::string> path;
    walk(m, t, *t.root, path, unused, typos);
  }
  std::vector<std::string> out = std::move(typos);
  if (!unused.empty()) {
    std::string msg =
        "Configuration paths exist in your dbt_project.yml file which do not apply to any resources.\nThere "
        "are " +
        std::to_string(unused.size()) + " unused configuration paths:";
    for (const auto& u : unused) msg += "\n- " + u;
    out.push_back(msg);
  }
  return out;
}

}  // namespace pond::project
