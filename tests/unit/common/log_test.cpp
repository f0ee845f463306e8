#include "common/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pond {

TEST(Log, ParsesLevels) {
  EXPECT_EQ(log::parse_level("debug"), log::Level::kDebug);
  EXPECT_EQ(log::parse_level("warning"), log::Level::kWarn);
  EXPECT_EQ(log::parse_level("none"), log::Level::kOff);
  EXPECT_THROW(log::parse_level("loud"), std::invalid_argument);
}

TEST(Log, JsonLinesAreValidJson) {
  log::configure({log::Level::kDebug, log::Format::kJson, false});
  testing::internal::CaptureStderr();
  log::write(log::Level::kWarn, "quote \" and\nnewline", {{"node", "model.shop.orders"}});
  std::string line = testing::internal::GetCapturedStderr();
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "quote \" and\nnewline");
  EXPECT_EQ(j["node"], "model.shop.orders");
  log::configure({});
}

TEST(Log, LevelFilters) {
  log::configure({log::Level::kError, log::Format::kText, false});
  EXPECT_FALSE(log::enabled(log::Level::kInfo));
  EXPECT_TRUE(log::enabled(log::Level::kError));
  testing::internal::CaptureStderr();
  log::info("hidden {}", 1);
  log::error("shown {}", 2);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "error: shown 2\n");
  log::configure({});
}

}  // namespace pond

namespace pond::log {
namespace {

TEST(WarnErrorPolicy, NamedEventsAllAndExceptions) {
  WarnErrorPolicy p;
  EXPECT_FALSE(p.promotes(""));
  EXPECT_FALSE(p.promotes("NoNodesForSelectionCriteria"));
  p.error = {"NoNodesForSelectionCriteria"};
  EXPECT_TRUE(p.promotes("NoNodesForSelectionCriteria"));
  EXPECT_FALSE(p.promotes("LogTestResult"));
  EXPECT_FALSE(p.promotes(""));  // unnamed warnings follow `all` only
  p.all = true;
  p.warn = {"LogTestResult"};
  EXPECT_FALSE(p.promotes("LogTestResult"));
  EXPECT_TRUE(p.promotes("UnusedResourceConfigPath"));
  EXPECT_TRUE(p.promotes(""));
}

}  // namespace
}  // namespace pond::log
