#pragma once
#include <filesystem>
#include <memory>
#include <string>

namespace YAML {
class Node;
}

namespace pond::project {

// A parsed YAML document that remembers its file, so every error about its contents can
// name file:line:col. Syntax errors are thrown as UserError at load time.
class YamlFile {
 public:
  // `display_name` is how errors name the file (default: the path as given).
  // env_var() calls are rendered in the text first unless `render_env` is false (profiles.yml
  // renders only the values of the output it uses).
  static YamlFile load(const std::filesystem::path& path, std::string display_name = {},
                       bool render_env = true);
  static YamlFile parse(std::string text, std::string name);

  YamlFile(YamlFile&&) noexcept;
  YamlFile& operator=(YamlFile&&) noexcept;
  ~YamlFile();

  const std::string& name() const { return name_; }
  const YAML::Node& root() const;
  YAML::Node& root();

  // A UserError located at `node` (its line and column in this file).
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message,
                         const std::string& hint = {}) const;

 private:
  YamlFile(std::string name, std::unique_ptr<YAML::Node> root);
  std::string name_;
  std::unique_ptr<YAML::Node> root_;
};

}  // namespace pond::project
