#include "project/yaml_file.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "project/env_render.hpp"

namespace pond::project {

YamlFile::YamlFile(std::string name, std::unique_ptr<YAML::Node> root)
    : name_(std::move(name)), root_(std::move(root)) {}
YamlFile::YamlFile(YamlFile&&) noexcept = default;
YamlFile& YamlFile::operator=(YamlFile&&) noexcept = default;
YamlFile::~YamlFile() = default;

YamlFile YamlFile::load(const std::filesystem::path& path, std::string display_name, bool render_env) {
  if (display_name.empty()) display_name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(SourceLocation{display_name}, "cannot read file");
  std::stringstream buf;
  buf << in.rdbuf();
  // env_var() is rendered in every YAML file pond reads, as dbt does.
  return parse(render_env ? render_env_vars(buf.str(), display_name) : buf.str(), display_name);
}

YamlFile YamlFile::parse(std::string text, std::string name) {
  try {
    return YamlFile(name, std::make_unique<YAML::Node>(YAML::Load(text)));
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based.
    SourceLocation where{name, e.mark.line + 1, e.mark.column + 1};
    std::string msg = e.msg;
    throw UserError(where, "invalid YAML: " + msg,
                    "check the indentation and that every 'key: value' pair has a space after the colon");
  }
}

const YAML::Node& YamlFile::root() const {
  return *root_;
}
YAML::Node& YamlFile::root() {
  return *root_;
}

void YamlFile::fail(const YAML::Node& node, const std::string& message, const std::string& hint) const {
  YAML::Mark m = node.Mark();
  SourceLocation where{name_};
  if (!m.is_null()) {
    where.line = m.line + 1;
    where.column = m.column + 1;
  }
  throw UserError(where, message, hint);
}

}  // namespace pond::project
