#include "http/event_stream.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace pond::http {
namespace {

using namespace std::chrono_literals;

TEST(SseFrame, SplitsDataLinesAndNamesTheEvent) {
  EXPECT_EQ(sse_frame({"runs", "{}"}), "event: runs\ndata: {}\n\n");
  EXPECT_EQ(sse_frame({"", "a\nb"}), "data: a\ndata: b\n\n");
}

TEST(Broadcaster, DeliversToEverySubscriberInOrder) {
  Broadcaster b;
  auto s1 = b.subscribe();
  auto s2 = b.subscribe();
  b.publish({"e", "1"});
  b.publish({"e", "2"});
  for (auto& s : {s1, s2}) {
    auto got = s->next(0ms);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].data, "1");
    EXPECT_EQ((*got)[1].data, "2");
  }
  EXPECT_EQ(b.subscribers(), 2u);
  s1.reset();
  EXPECT_EQ(b.subscribers(), 1u);
}

TEST(Broadcaster, NothingNewIsAnEmptyBatchAndCloseEndsWaiters) {
  Broadcaster b;
  auto s = b.subscribe();
  auto got = s->next(10ms);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->empty());
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    b.close();
  });
  EXPECT_FALSE(s->next(5s));  // woken by close, long before the timeout
  closer.join();
  EXPECT_FALSE(b.subscribe()->next(0ms)) << "a closed broadcaster hands out closed subscriptions";
}

TEST(Broadcaster, ASlowSubscriberLosesTheOldestAndIsToldToResync) {
  Broadcaster b;
  auto s = b.subscribe(3);
  for (int i = 0; i < 5; ++i) b.publish({"e", std::to_string(i)});
  auto got = s->next(0ms);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0].event, "resync");
  EXPECT_EQ((*got)[1].data, "2");
  EXPECT_EQ((*got)[3].data, "4");
}

}  // namespace
}  // namespace pond::http
