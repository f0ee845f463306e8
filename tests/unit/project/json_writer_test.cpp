// The manifest writer's string escaping (tested eight bytes at a time) and comma placement,
// checked against nlohmann::json's own serialisation.
#include "project/json_writer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace pond::project {
namespace {

std::string written(const nlohmann::json& j) {
  std::string out;
  JsonWriter w(out);
  w.value(j);
  w.finish();
  return out;
}

TEST(JsonWriter, EscapesAtEveryPositionAndLength) {
  // Each special character at each position of strings 0..20 bytes long: the word-at-a-time
  // test must see it in the first word, a middle word and the overlapping last word.
  const std::string specials[] = {
      "\"", "\\", "\n", "\t", "\r", "\b", "\f", std::string(1, '\x01'), std::string(1, '\x1f')};
  for (std::size_t len = 0; len <= 20; ++len) {
    std::string plain(len, 'x');
    EXPECT_EQ(written(plain), nlohmann::json(plain).dump());
    for (const auto& s : specials) {
      for (std::size_t at = 0; at < len; ++at) {
        std::string text = plain;
        text.replace(at, 1, s);
        EXPECT_EQ(written(text), nlohmann::json(text).dump()) << "length " << len << " at " << at;
      }
    }
  }
  // UTF-8 and bytes just above the control range are copied as they are.
  std::string utf8 = "caf\xc3\xa9 \xe2\x82\xac 0123456789 ~ !";
  EXPECT_EQ(written(utf8), "\"" + utf8 + "\"");
  EXPECT_EQ(written(std::string(" !#[]")), "\" !#[]\"");
}

TEST(JsonWriter, CommasBetweenMembersAndItemsOnly) {
  nlohmann::json j = {{"a", nlohmann::json::array({1, "two", nullptr, true, nlohmann::json::object()})},
                      {"b", nlohmann::json::object({{"c", nlohmann::json::array()}, {"d", 2.5}})},
                      {"e", ""}};
  EXPECT_EQ(written(j), j.dump());

  std::string out;
  {
    JsonWriter w(out);
    w.begin_object().key("x").begin_array().end_array();
    w.raw_members("\"y\":1,\"z\":2").field("w", "v").end_object();
  }  // the writer's end cuts `out` to the text
  EXPECT_EQ(out, R"({"x":[],"y":1,"z":2,"w":"v"})");
}

TEST(JsonWriter, AppendsToExistingTextAndGrows) {
  std::string out = "prefix:";
  std::string long_text(100000, 'a');
  {
    JsonWriter w(out);
    w.begin_array().value(long_text).value(long_text).end_array();
  }
  EXPECT_EQ(out, "prefix:[\"" + long_text + "\",\"" + long_text + "\"]");
}

}  // namespace
}  // namespace pond::project
