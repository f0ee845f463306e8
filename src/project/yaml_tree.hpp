#pragma once
// A compact YAML document tree read with libyaml's event parser, for the files pond reads by
// the thousand (schema YAML). yaml-cpp's DOM (shared_ptr nodes, regex scanner) cost a third
// of `pond parse`; this reader keeps only what schema parsing needs: kinds, scalar text,
// whether a scalar was quoted, and 1-based positions for errors.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pond::project {

// One node. A mapping keeps its entries as alternating key, value children, in file order.
// Aliases are expanded into copies; `<<` merge keys are applied as PyYAML (dbt) does.
class YamlNode {
 public:
  enum class Kind : std::uint8_t { kUndefined, kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kUndefined;
  bool quoted = false;  // a quoted/block scalar or one tagged "!": always a string
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;
  std::string scalar;              // the text of a scalar ("" otherwise)
  std::vector<YamlNode> children;  // sequence items, or key, value, key, value...

  // False for the node a missing key gives (as yaml-cpp's undefined node).
  explicit operator bool() const { return kind != Kind::kUndefined; }
  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_map() const { return kind == Kind::kMap; }

  // Items of a sequence, or entries of a map.
  std::size_t size() const { return kind == Kind::kMap ? children.size() / 2 : children.size(); }
  const YamlNode& key(std::size_t i) const { return children[2 * i]; }
  const YamlNode& value(std::size_t i) const { return children[2 * i + 1]; }

  // The value of the first entry whose key is `name`, or an undefined node.
  const YamlNode& operator[](std::string_view name) const;
};

// A parsed document that remembers its file, so errors can name file:line:col.
class YamlTree {
 public:
  // Syntax errors throw UserError "invalid YAML: ..." at the offending position.
  static YamlTree parse(std::string_view text, std::string name);

  const std::string& name() const { return name_; }
  const YamlNode& root() const { return root_; }

  // A UserError located at `node`.
  [[noreturn]] void fail(const YamlNode& node, const std::string& message,
                         const std::string& hint = {}) const;

 private:
  std::string name_;
  YamlNode root_;
};

// JSON with YAML 1.2 core-schema scalar typing (quoted scalars stay strings), as yaml_to_json.
nlohmann::json yaml_to_json(const YamlNode& node);
nlohmann::json yaml_scalar_to_json(const std::string& text, bool quoted);

}  // namespace pond::project
