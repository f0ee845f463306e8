#include "automation/command_sensor.hpp"

#include <gtest/gtest.h>

namespace pond::automation {
namespace {

TEST(CommandSensorOutput, ReadsRequestsCursorAndSkip) {
  auto o = parse_sensor_output(
      "{\"select\": \"orders+\", \"partition\": \"2026-12-01\", \"tags\": {\"a\": \"b\"}, \"run_key\": "
      "\"k1\"}\n"
      "\n  {\"select\": [\"x\", \"y\"], \"exclude\": \"z\"}\r\n"
      "{\"cursor\": \"42\"}\n{\"skip\": \"nothing new\"}");
  ASSERT_EQ(o.requests.size(), 2u);
  EXPECT_EQ(o.requests[0].select, std::vector<std::string>{"orders+"});
  EXPECT_EQ(o.requests[0].partition, "2026-12-01");
  EXPECT_EQ(o.requests[0].tags.at("a"), "b");
  EXPECT_EQ(o.requests[0].run_key, "k1");
  EXPECT_EQ(o.requests[0].line, 1);
  EXPECT_EQ(o.requests[1].select, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(o.requests[1].exclude, std::vector<std::string>{"z"});
  EXPECT_EQ(o.requests[1].line, 3);
  EXPECT_EQ(o.cursor, "42");
  EXPECT_EQ(o.skip_reason, "nothing new");
  EXPECT_TRUE(parse_sensor_output("").requests.empty());
}

TEST(CommandSensorOutput, BadLinesAreErrorsNamingTheLine) {
  auto error = [](const char* text) {
    try {
      parse_sensor_output(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("{}\nhello").rfind("line 2: expected a JSON object", 0), 0u) << error("{}\nhello");
  EXPECT_EQ(error("[1]").rfind("line 1: expected a JSON object", 0), 0u);
  EXPECT_EQ(error("{\"selec\": \"x\"}").rfind("line 1: unknown key \"selec\"", 0), 0u);
  EXPECT_EQ(error("{\"select\": 5}").rfind("line 1: \"select\" must be a string or a list", 0), 0u);
  EXPECT_EQ(error("{\"select\": [\"\"]}").rfind("line 1: \"select\" has an empty name", 0), 0u);
  EXPECT_EQ(error("{\"tags\": {\"a\": 1}}").rfind("line 1: \"tags\" must be a string", 0), 0u);
  EXPECT_EQ(error("{\"cursor\": \"1\", \"select\": \"x\"}")
                .rfind("line 1: a \"cursor\" line takes no other key", 0),
            0u);
  EXPECT_EQ(error("{\"cursor\": 5}").rfind("line 1: \"cursor\" must be a string", 0), 0u);
}

}  // namespace
}  // namespace pond::automation
