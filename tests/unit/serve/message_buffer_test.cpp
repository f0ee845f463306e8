// The read buffer of a connection: pipelined messages come out one by one in order, a message
// split over reads waits for its rest, and the length limits hold before authentication.
#include "serve/message_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>

#include "serve/wire_decode.hpp"

namespace pond::serve {
namespace {

constexpr std::size_t kAny = std::numeric_limits<std::size_t>::max();

std::string message(char type, const std::string& body) {
  auto n = static_cast<std::uint32_t>(body.size() + 4);
  std::string out(1, type);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  return out + body;
}

void feed(MessageBuffer& in, const std::string& bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    std::span<std::uint8_t> space = in.space();
    std::size_t n = std::min(space.size(), bytes.size() - at);
    std::copy_n(bytes.data() + at, n, space.data());
    in.commit(n);
    at += n;
  }
}

std::string text(const Message& m) {
  return {m.body.begin(), m.body.end()};
}

TEST(MessageBuffer, PipelinedMessagesComeOutInOrder) {
  MessageBuffer in;
  feed(in, message('B', "bind") + message('D', "P") + message('E', std::string("\0\0\0\0\0", 5)) +
               message('S', ""));
  auto b = in.next(kAny);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->type, 'B');
  EXPECT_EQ(text(*b), "bind");
  EXPECT_EQ(in.next(kAny)->type, 'D');
  EXPECT_EQ(in.next(kAny)->body.size(), 5u);
  auto s = in.next(kAny);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, 'S');
  EXPECT_TRUE(s->body.empty());
  EXPECT_FALSE(in.next(kAny));
  EXPECT_TRUE(in.empty());
}

TEST(MessageBuffer, AMessageSplitOverReadsWaitsForItsRest) {
  MessageBuffer in(8);  // a small chunk: the buffer must grow to the message's length
  std::string big(1000, 'x');
  std::string bytes = message('Q', big) + message('X', "");
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{5}, std::size_t{500}}) {
    MessageBuffer part(8);
    feed(part, bytes.substr(0, cut));
    EXPECT_FALSE(part.next(kAny)) << cut;
    feed(part, bytes.substr(cut));
    auto q = part.next(kAny);
    ASSERT_TRUE(q) << cut;
    EXPECT_EQ(text(*q), big);
    EXPECT_EQ(part.next(kAny)->type, 'X');
  }
}

TEST(MessageBuffer, ByteByByteGivesTheSameMessages) {
  std::mt19937 rng(7);
  std::string bytes;
  std::vector<std::string> bodies;
  for (int i = 0; i < 50; ++i) {
    bodies.push_back(std::string(rng() % 300, static_cast<char>('a' + i % 26)));
    bytes += message('Q', bodies.back());
  }
  MessageBuffer in(16);
  std::vector<std::string> got;
  for (char c : bytes) {
    feed(in, std::string(1, c));
    while (auto m = in.next(kAny)) got.push_back(text(*m));
  }
  EXPECT_EQ(got, bodies);
}

TEST(MessageBuffer, LengthLimitsAreProtocolErrors) {
  MessageBuffer in;
  feed(in, message('p', std::string(kMaxStartupLength + 1, 'a')).substr(0, 5));
  EXPECT_THROW(in.next(kMaxStartupLength), ProtocolError);
  MessageBuffer bad;
  feed(bad, std::string("Q\0\0\0\x02", 5));  // a length word below 4
  EXPECT_THROW(bad.next(kAny), ProtocolError);
}

}  // namespace
}  // namespace pond::serve
