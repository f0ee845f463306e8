// SCRAM-SHA-256: a full exchange computed independently here (RFC 5802 formulas with OpenSSL),
// wrong passwords and unknown users failing alike; and the simple-query statement splitter.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "serve/scram.hpp"
#include "serve/sql_split.hpp"
#include "serve/wire_decode.hpp"

namespace pond::serve {
namespace {

std::string hmac(const std::string& key, const std::string& data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// The client side, as libpq computes it.
// `gs2_and_binding`: what c= carries (the gs2 header, then the channel-binding data if any).
std::string client_final(const std::string& password, const std::string& client_first_bare,
                         const std::string& server_first, const std::string& gs2_and_binding = "n,,") {
  auto field = [&](char name) {
    std::size_t at = server_first.find(std::string(1, name) + "=");
    std::size_t end = server_first.find(',', at);
    return server_first.substr(at + 2, end == std::string::npos ? std::string::npos : end - at - 2);
  };
  std::string salt = *base64_decode(field('s'));
  int iterations = std::stoi(field('i'));
  unsigned char salted[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    iterations, EVP_sha256(), 32, salted);
  std::string salted_password(reinterpret_cast<char*>(salted), 32);
  std::string client_key = hmac(salted_password, "Client Key");
  unsigned char stored[32];
  SHA256(reinterpret_cast<const unsigned char*>(client_key.data()), 32, stored);
  std::string without_proof = "c=" + base64_encode(gs2_and_binding) + ",r=" + field('r');
  std::string auth = client_first_bare + "," + server_first + "," + without_proof;
  std::string signature = hmac(std::string(reinterpret_cast<char*>(stored), 32), auth);
  std::string proof(32, '\0');
  for (int i = 0; i < 32; ++i) proof[i] = static_cast<char>(client_key[i] ^ signature[i]);
  return without_proof + ",p=" + base64_encode(proof);
}

TEST(Scram, VerifierRoundTrip) {
  ScramVerifier v = make_verifier("secret", 4096);
  auto parsed = ScramVerifier::parse(v.to_string());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->iterations, 4096);
  EXPECT_EQ(parsed->salt, v.salt);
  EXPECT_EQ(parsed->stored_key, v.stored_key);
  EXPECT_FALSE(ScramVerifier::parse("md5abc"));
  EXPECT_FALSE(ScramVerifier::parse("SCRAM-SHA-256$x:AAAA$AAAA:AAAA"));
}

TEST(Scram, RightPasswordSucceedsWrongAndUnknownFailAlike) {
  ScramVerifier v = make_verifier("secret", 4096);
  std::string first = "n,,n=,r=abcdefghijklmnop";
  std::string bare = "n=,r=abcdefghijklmnop";
  {
    ScramServer server("alice", v, "key");
    std::string server_first = server.first(first);
    EXPECT_EQ(server_first.rfind("r=abcdefghijklmnop", 0), 0u);
    auto ok = server.final(client_final("secret", bare, server_first));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->rfind("v=", 0), 0u);
  }
  {
    ScramServer server("alice", v, "key");
    std::string server_first = server.first(first);
    EXPECT_FALSE(server.final(client_final("wrong", bare, server_first)));
  }
  {
    ScramServer server("nobody", std::nullopt, "key");
    std::string server_first = server.first(first);
    EXPECT_NE(server_first.find(",i=4096"), std::string::npos);  // looks like a real user
    EXPECT_FALSE(server.final(client_final("secret", bare, server_first)));
  }
}

TEST(Scram, CleartextPasswordAgainstTheVerifier) {
  ScramVerifier v = make_verifier("pencil", 4096);
  EXPECT_TRUE(verify_password(v, "pencil"));
  EXPECT_FALSE(verify_password(v, "pencil "));
  EXPECT_FALSE(verify_password(v, ""));
  // A verifier from PostgreSQL's format verifies the same way (the same PBKDF2 inputs).
  auto parsed = ScramVerifier::parse(v.to_string());
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(verify_password(*parsed, "pencil"));
}

TEST(Scram, MalformedMessages) {
  ScramServer server("alice", make_verifier("x", 4096), "key");
  EXPECT_THROW(server.first("p=tls-server-end-point,,n=,r=abc"), ProtocolError);
  EXPECT_THROW(server.first("n,,n="), ProtocolError);
  EXPECT_THROW(server.final("c=biws,r=x,p=AAAA"), ProtocolError);  // before first
  server.first("n,,n=,r=abc");
  EXPECT_THROW(server.final("c=biws,r=other,p=AAAA"), ProtocolError);
  EXPECT_THROW(server.final("garbage"), ProtocolError);
}

TEST(Scram, ChannelBindingTlsServerEndPoint) {
  ScramVerifier v = make_verifier("secret", 4096);
  const std::string hash(32, '\x5a');  // stands for the certificate's SHA-256
  const std::string header = "p=tls-server-end-point,,";
  const std::string bare = "n=,r=nonce123";
  {
    ScramServer server("alice", v, "key", ChannelBinding{hash, true});
    std::string server_first = server.first(header + bare);
    EXPECT_TRUE(server.final(client_final("secret", bare, server_first, header + hash)));
  }
  {  // the client bound to another certificate (a man in the middle): refused
    ScramServer server("alice", v, "key", ChannelBinding{hash, true});
    std::string server_first = server.first(header + bare);
    EXPECT_THROW(server.final(client_final("secret", bare, server_first, header + std::string(32, 'x'))),
                 ProtocolError);
  }
  {  // the right binding does not rescue a wrong password
    ScramServer server("alice", v, "key", ChannelBinding{hash, true});
    std::string server_first = server.first(header + bare);
    EXPECT_FALSE(server.final(client_final("wrong", bare, server_first, header + hash)));
  }
  // Over TLS without -PLUS selected: "n" is fine, "y" (client thinks we cannot bind) is a downgrade.
  {
    ScramServer server("alice", v, "key", ChannelBinding{hash, false});
    std::string server_first = server.first("n,," + bare);
    EXPECT_TRUE(server.final(client_final("secret", bare, server_first)));
  }
  EXPECT_THROW(ScramServer("alice", v, "key", ChannelBinding{hash, false}).first("y,," + bare),
               ProtocolError);
  EXPECT_THROW(ScramServer("alice", v, "key", ChannelBinding{hash, false}).first(header + bare),
               ProtocolError);
  // -PLUS selected but no binding sent, or another binding type.
  EXPECT_THROW(ScramServer("alice", v, "key", ChannelBinding{hash, true}).first("n,," + bare), ProtocolError);
  EXPECT_THROW(ScramServer("alice", v, "key", ChannelBinding{hash, true}).first("p=tls-unique,," + bare),
               ProtocolError);
  // Without TLS "y" is what a client says when it could bind: accepted.
  {
    ScramServer server("alice", v, "key");
    std::string server_first = server.first("y,," + bare);
    EXPECT_TRUE(server.final(client_final("secret", bare, server_first, "y,,")));
  }
}

TEST(SqlSplit, Statements) {
  EXPECT_EQ(split_statements("select 1; select 2"), (std::vector<std::string>{"select 1", "select 2"}));
  EXPECT_EQ(split_statements("select ';'; select \"a;b\" from t -- x;y\n;"),
            (std::vector<std::string>{"select ';'", "select \"a;b\" from t -- x;y"}));
  EXPECT_EQ(split_statements("select $$a;b$$; select $tag$;$tag$"),
            (std::vector<std::string>{"select $$a;b$$", "select $tag$;$tag$"}));
  EXPECT_EQ(split_statements("select $1; /* ; */ select 'it''s;'"),
            (std::vector<std::string>{"select $1", "/* ; */ select 'it''s;'"}));
  EXPECT_TRUE(split_statements(" ;; -- nothing\n").empty());
  EXPECT_EQ(leading_keywords("  -- c\n create  table x", 2), "CREATE TABLE");
  EXPECT_EQ(leading_keywords("begin;", 1), "BEGIN");
}

TEST(SqlSplit, CastParameters) {
  EXPECT_EQ(cast_parameters("select $1 || '$2', $2 -- $1\n, $10",
                            {"VARCHAR", "", "", "", "", "", "", "", "", "INTEGER"}),
            "select CAST($1 AS VARCHAR) || '$2', $2 -- $1\n, CAST($10 AS INTEGER)");
  EXPECT_EQ(cast_parameters("select $$a $1$$, x$1", {"VARCHAR"}), "select $$a $1$$, x$1");
}

}  // namespace
}  // namespace pond::serve

namespace pond::serve {
namespace {

// What a Parquet result wraps in `COPY (\n...\n) TO`: the text must not close that parenthesis.
TEST(BalancedParentheses, OnlyClosedTextCanBeWrapped) {
  EXPECT_TRUE(balanced_parentheses("select (1 + (2)) as x, ')' as p, \")\" as q -- )"));
  EXPECT_TRUE(balanced_parentheses("select $t$ ) $t$, E'\\') ', /* ) */ 1"));
  EXPECT_FALSE(balanced_parentheses("select 1) to '/x.parquet' (format parquet) --"));
  EXPECT_FALSE(balanced_parentheses("select (1"));
  EXPECT_FALSE(balanced_parentheses("select 1 /* open"));
  EXPECT_FALSE(balanced_parentheses("select 'open"));
  EXPECT_FALSE(balanced_parentheses("select $t$ open"));
  EXPECT_FALSE(balanced_parentheses("select 1 as x) to 'f' (format csv); select (1"));
}

}  // namespace
}  // namespace pond::serve
