#include "project/yaml_tree.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace pond::project {
namespace {

std::string error_of(const std::string& text) {
  try {
    YamlTree::parse(text, "s.yml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(YamlTree, KindsScalarsAndPositions) {
  YamlTree t = YamlTree::parse(
      "version: 2\nmodels:\n  - name: m1\n    description: 'quoted'\n    empty:\n    nil: ~\n"
      "    q: 'null'\n    tags: [a, b]\n",
      "s.yml");
  const YamlNode& root = t.root();
  ASSERT_TRUE(root.is_map());
  EXPECT_EQ(root.size(), 2u);
  EXPECT_EQ(root.key(0).scalar, "version");
  EXPECT_FALSE(root["models"]["name"]);  // a sequence has no keys
  const YamlNode& item = root["models"].children.at(0);
  EXPECT_TRUE(item.is_map());
  EXPECT_EQ(item.line, 3);
  EXPECT_EQ(item.column, 5);  // the first key, as yaml-cpp marks block mappings
  EXPECT_EQ(item["name"].scalar, "m1");
  EXPECT_FALSE(item["name"].quoted);
  EXPECT_TRUE(item["description"].quoted);
  EXPECT_EQ(item["description"].line, 4);
  EXPECT_EQ(item["description"].column, 18);
  EXPECT_TRUE(item["empty"].is_null());
  EXPECT_TRUE(item["nil"].is_null());
  EXPECT_TRUE(item["q"].is_scalar());
  EXPECT_FALSE(item["missing"]);
  EXPECT_TRUE(item["tags"].is_sequence());
  EXPECT_EQ(item["tags"].size(), 2u);
  EXPECT_EQ(yaml_to_json(item["q"]), "null");
}

TEST(YamlTree, JsonTypingFollowsYamlCore) {
  YamlTree t = YamlTree::parse(
      "a: [1, -2, +3, 1.5, 1e3, .5, '7', true, False, yes, null, 0x1F]\nb: |\n  text\nc: !!str 12\n",
      "s.yml");
  EXPECT_EQ(yaml_to_json(t.root()["a"]).dump(),
            R"([1,-2,3,1.5,1000.0,".5","7",true,false,"yes",null,"0x1F"])");
  EXPECT_EQ(yaml_to_json(t.root()["b"]), "text\n");
  // As yaml-cpp: an explicit tag other than "!" leaves the text typed as a plain scalar.
  EXPECT_EQ(yaml_to_json(t.root()["c"]), 12);
}

TEST(YamlTree, AliasesAndMergeKeys) {
  YamlTree t = YamlTree::parse(
      "base: &b {x: 1, y: 2}\nother: &o {z: 3}\nuse: *b\nmerged:\n  <<: [*b, *o]\n  y: 5\n", "s.yml");
  EXPECT_EQ(yaml_to_json(t.root()["use"]).dump(), R"({"x":1,"y":2})");
  const YamlNode& m = t.root()["merged"];
  EXPECT_EQ(yaml_to_json(m).dump(), R"({"x":1,"y":5,"z":3})");
  EXPECT_EQ(m.key(0).scalar, "y");  // own keys first, merged ones after
  EXPECT_FALSE(m["<<"]);
}

TEST(YamlTree, ErrorsNameFileLineAndColumn) {
  EXPECT_NE(error_of("a:\n  b: [1, 2\n").find("s.yml:3:1: invalid YAML"), std::string::npos)
      << error_of("a:\n  b: [1, 2\n");
  EXPECT_NE(error_of("a: *missing\n").find("s.yml:1:4: invalid YAML: unknown anchor 'missing'"),
            std::string::npos);
  std::string deep(600, '[');
  EXPECT_NE(error_of(deep).find("nesting deeper than"), std::string::npos);
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  EXPECT_NE(error_of(bomb).find("aliases expand to more than"), std::string::npos);
}

TEST(YamlTree, EmptyDocumentIsNullAndOnlyTheFirstDocumentCounts) {
  EXPECT_TRUE(YamlTree::parse("", "s.yml").root().is_null());
  EXPECT_TRUE(YamlTree::parse("# only a comment\n", "s.yml").root().is_null());
  YamlTree t = YamlTree::parse("a: 1\n---\nb: 2\n", "s.yml");
  EXPECT_TRUE(t.root()["a"]);
  EXPECT_FALSE(t.root()["b"]);
}

}  // namespace
}  // namespace pond::project
