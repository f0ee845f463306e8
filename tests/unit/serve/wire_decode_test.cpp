// The frontend message decoder: well-formed messages, every malformed shape a ProtocolError,
// and a bounded fuzz loop (fixed seed) over random and truncated bytes that must never crash.
#include "serve/wire_decode.hpp"

#include <gtest/gtest.h>

#include <random>

#include "serve/wire_encode.hpp"

namespace pond::serve {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

std::string be32(std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  return {static_cast<char>(u >> 24), static_cast<char>((u >> 16) & 0xff), static_cast<char>((u >> 8) & 0xff),
          static_cast<char>(u & 0xff)};
}
std::string be16(std::int16_t v) {
  return {static_cast<char>((v >> 8) & 0xff), static_cast<char>(v & 0xff)};
}

TEST(WireDecode, StartupMessageWithParameters) {
  std::string body = be32(196608) + std::string("user\0alice\0database\0lake\0\0", 26);
  auto packet = decode_startup(bytes(body));
  auto& m = std::get<StartupMessage>(packet);
  EXPECT_EQ(m.major, 3);
  EXPECT_EQ(m.minor, 0);
  EXPECT_EQ(m.get("user"), "alice");
  EXPECT_EQ(m.get("database"), "lake");
  EXPECT_FALSE(m.get("options"));
}

TEST(WireDecode, SpecialStartupCodes) {
  EXPECT_TRUE(std::holds_alternative<SslRequest>(decode_startup(bytes(be32(80877103)))));
  EXPECT_TRUE(std::holds_alternative<GssEncRequest>(decode_startup(bytes(be32(80877104)))));
  auto cancel = decode_startup(bytes(be32(80877102) + be32(42) + be32(-7)));
  EXPECT_EQ(std::get<CancelRequest>(cancel).process_id, 42);
  EXPECT_EQ(std::get<CancelRequest>(cancel).secret, -7);
  EXPECT_THROW(decode_startup(bytes(be32(80877103) + "x")), ProtocolError);
  EXPECT_THROW(decode_startup(bytes(be32(80877102) + be32(1))), ProtocolError);
}

TEST(WireDecode, ReadsOnlyTheVersionOfOtherProtocolsAndRejectsUnterminatedParameters) {
  // 2.0 with protocol 2's fixed-size fields: only its version is read (the session refuses it).
  auto v2 = decode_startup(bytes(be32(131072) + std::string(64, 'x') + std::string(32, '\0')));
  EXPECT_EQ(std::get<StartupMessage>(v2).major, 2);
  EXPECT_TRUE(std::get<StartupMessage>(v2).parameters.empty());
  auto v32 = decode_startup(bytes(be32(196610) + std::string("user\0a\0_pq_.x\0y\0\0", 17)));
  EXPECT_EQ(std::get<StartupMessage>(v32).minor, 2);
  EXPECT_EQ(std::get<StartupMessage>(v32).get("_pq_.x"), "y");
  EXPECT_THROW(decode_startup(bytes(be32(196608) + "user")), ProtocolError);
  EXPECT_THROW(decode_startup(bytes(be32(196608) + std::string("user\0a\0", 7))),
               ProtocolError);  // no final NUL
}

TEST(WireDecode, LengthLimits) {
  EXPECT_EQ(startup_body_length(8), 4u);
  EXPECT_EQ(startup_body_length(10000), 9996u);
  EXPECT_THROW(startup_body_length(10001), ProtocolError);
  EXPECT_THROW(startup_body_length(7), ProtocolError);
  EXPECT_THROW(startup_body_length(-1), ProtocolError);
  EXPECT_EQ(message_body_length(4), 0u);
  EXPECT_THROW(message_body_length(3), ProtocolError);
  EXPECT_THROW(message_body_length(static_cast<std::int32_t>(kMaxMessageLength) + 1), ProtocolError);
}

TEST(WireDecode, ExtendedQueryMessages) {
  auto parse = decode_message('P', bytes(std::string("s1\0select $1\0", 13) + be16(1) + be32(23)));
  EXPECT_EQ(std::get<Parse>(parse).statement, "s1");
  EXPECT_EQ(std::get<Parse>(parse).sql, "select $1");
  EXPECT_EQ(std::get<Parse>(parse).parameter_types, std::vector<std::int32_t>{23});

  std::string bind_body =
      std::string("p\0s1\0", 5) + be16(0) + be16(2) + be32(2) + "42" + be32(-1) + be16(1) + be16(0);
  auto bind = std::get<Bind>(decode_message('B', bytes(bind_body)));
  EXPECT_EQ(bind.portal, "p");
  ASSERT_EQ(bind.parameters.size(), 2u);
  EXPECT_EQ(bind.parameters[0], "42");
  EXPECT_FALSE(bind.parameters[1]);
  EXPECT_EQ(bind.result_formats, std::vector<std::int16_t>{0});

  auto exec = std::get<Execute>(decode_message('E', bytes(std::string("p\0", 2) + be32(10))));
  EXPECT_EQ(exec.max_rows, 10);
  EXPECT_EQ(std::get<Describe>(decode_message('D', bytes(std::string("Ss1\0", 4)))).kind, 'S');
  EXPECT_EQ(std::get<Close>(decode_message('C', bytes(std::string("Pp\0", 3)))).kind, 'P');
  EXPECT_TRUE(std::holds_alternative<Sync>(decode_message('S', {})));
  EXPECT_TRUE(std::holds_alternative<Terminate>(decode_message('X', {})));
}

TEST(WireDecode, MalformedMessages) {
  EXPECT_THROW(decode_message('Q', bytes("select 1")), ProtocolError);              // no NUL
  EXPECT_THROW(decode_message('Q', bytes(std::string("a\0b", 3))), ProtocolError);  // extra bytes
  EXPECT_THROW(decode_message('S', bytes("x")), ProtocolError);                     // Sync has no body
  EXPECT_THROW(decode_message('D', bytes(std::string("Xs\0", 3))), ProtocolError);  // bad kind
  EXPECT_THROW(decode_message('?', {}), ProtocolError);                             // unknown type
  std::string huge_param = std::string("\0\0", 2) + be16(0) + be16(1) + be32(1000) + "short";
  EXPECT_THROW(decode_message('B', bytes(huge_param)), ProtocolError);  // length past end
  std::string negative = std::string("\0\0", 2) + be16(0) + be16(1) + be32(-5);
  EXPECT_THROW(decode_message('B', bytes(negative)), ProtocolError);
  std::string bad_format = std::string("\0\0", 2) + be16(1) + be16(7) + be16(0) + be16(0);
  EXPECT_THROW(decode_message('B', bytes(bad_format)), ProtocolError);
}

TEST(WireDecode, SaslInitialResponse) {
  std::string body = std::string("SCRAM-SHA-256\0", 14) + be32(5) + "n,,xy";
  auto s = decode_sasl_initial(body);
  EXPECT_EQ(s.mechanism, "SCRAM-SHA-256");
  EXPECT_EQ(s.data, "n,,xy");
  EXPECT_THROW(decode_sasl_initial(std::string("SCRAM-SHA-256\0", 14) + be32(50) + "n,,"), ProtocolError);
}

// Random and truncated bytes: every outcome is a decoded message or a ProtocolError.
TEST(WireDecode, FuzzLoopNeverCrashes) {
  std::mt19937 rng(20261206);
  const std::string types = "QPBDECSHXp?";
  std::vector<std::string> seeds = {
      std::string("s1\0select $1\0", 13) + be16(1) + be32(23),
      std::string("p\0s1\0", 5) + be16(1) + be16(0) + be16(2) + be32(2) + "42" + be32(-1) + be16(1) + be16(0),
      std::string("p\0", 2) + be32(10),
      be32(196608) + std::string("user\0alice\0\0", 12),
  };
  int decoded = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string body;
    if (i % 2 == 0) {
      body = seeds[static_cast<std::size_t>(i / 2) % seeds.size()];
      body.resize(rng() % (body.size() + 1));  // truncated
      if (!body.empty() && rng() % 2) body[rng() % body.size()] = static_cast<char>(rng());
    } else {
      body.resize(rng() % 64);
      for (auto& c : body) c = static_cast<char>(rng());
    }
    auto b = bytes(body);
    try {
      if (i % 5 == 0)
        decode_startup(b);
      else
        decode_message(types[rng() % types.size()], b);
      ++decoded;
    } catch (const ProtocolError&) {
      ++rejected;
    }
  }
  EXPECT_GT(decoded, 0);
  EXPECT_GT(rejected, 0);
}

TEST(WireEncode, LengthsArePatched) {
  MessageWriter w;
  w.ready_for_query('I');
  w.command_complete("SELECT 1");
  std::string out = w.take();
  ASSERT_EQ(out.size(), 6u + 1 + 4 + 9);
  EXPECT_EQ(out.substr(0, 6), std::string("Z\0\0\0\5I", 6));
  EXPECT_EQ(out[6], 'C');
  EXPECT_EQ(read_i32(reinterpret_cast<const std::uint8_t*>(out.data() + 7)), 13);
  EXPECT_TRUE(w.empty());
}

}  // namespace
}  // namespace pond::serve
