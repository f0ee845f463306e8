// Failed-login rate limiting per client address, with explicit times.
#include "serve/login_throttle.hpp"

#include <gtest/gtest.h>

namespace pond::serve {
namespace {

using std::chrono::seconds;

TEST(LoginThrottle, BlocksAnAddressAfterTooManyFailuresUntilTheWindowPasses) {
  LoginThrottle t(3, seconds(60));
  auto t0 = LoginThrottle::Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 2; ++i) t.failed("10.0.0.1", t0 + seconds(i));
  EXPECT_EQ(t.blocked_for("10.0.0.1", t0 + seconds(2)), 0);
  t.failed("10.0.0.1", t0 + seconds(10));
  EXPECT_EQ(t.blocked_for("10.0.0.1", t0 + seconds(10)), 50);  // the first failure leaves at t0+60
  EXPECT_EQ(t.blocked_for("10.0.0.2", t0 + seconds(10)), 0);   // another address is not blocked
  EXPECT_EQ(t.blocked_for("10.0.0.1", t0 + seconds(59)), 1);
  EXPECT_EQ(t.blocked_for("10.0.0.1", t0 + seconds(60)), 0);  // two failures left in the window
  t.failed("10.0.0.1", t0 + seconds(61));
  EXPECT_EQ(t.blocked_for("10.0.0.1", t0 + seconds(61)), 0);  // t0+10 and t0+61 count
  t.failed("10.0.0.1", t0 + seconds(62));
  EXPECT_EQ(t.blocked_for("10.0.0.1", t0 + seconds(62)), 8);  // until t0+10 leaves at t0+70
}

TEST(LoginThrottle, SuccessForgetsTheFailures) {
  LoginThrottle t(2, seconds(60));
  auto now = LoginThrottle::Clock::time_point{} + seconds(1000);
  t.failed("h", now);
  t.succeeded("h");
  t.failed("h", now);
  EXPECT_EQ(t.blocked_for("h", now), 0);
  t.failed("h", now);
  EXPECT_GT(t.blocked_for("h", now), 0);
}

TEST(LoginThrottle, ManyAddressesStayBounded) {
  LoginThrottle t(1, seconds(60));
  auto now = LoginThrottle::Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 20000; ++i) t.failed("a" + std::to_string(i), now);
  EXPECT_GT(t.blocked_for("a19999", now), 0);  // the newest are kept
}

}  // namespace
}  // namespace pond::serve
