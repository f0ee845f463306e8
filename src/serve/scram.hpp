#pragma once
// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: stored verifiers in PostgreSQL's
// format and the server side of one exchange. The math is OpenSSL's.
#include <optional>
#include <string>
#include <string_view>

namespace pond::serve {

// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>" (base64), as pg_authid stores it.
struct ScramVerifier {
  int iterations = 4096;
  std::string salt;  // raw bytes
  std::string stored_key;
  std::string server_key;

  static std::optional<ScramVerifier> parse(std::string_view text);
  std::string to_string() const;
};

// Whether `password` is the one `verifier` was made from (cleartext password authentication).
bool verify_password(const ScramVerifier& verifier, std::string_view password);

// A verifier for `password` with a fresh random salt.
ScramVerifier make_verifier(std::string_view password, int iterations = 4096);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// SCRAM channel binding (tls-server-end-point) for one exchange.
struct ChannelBinding {
  // The certificate hash when the connection is TLS and SCRAM-SHA-256-PLUS is offered; empty
  // otherwise (then a client saying "y" -- it could bind but thinks we cannot -- is fine).
  std::string end_point;
  bool selected = false;  // the client chose SCRAM-SHA-256-PLUS
};

// The server side of one SCRAM-SHA-256 exchange. An unknown user gets a made-up verifier so
// that it fails exactly where a wrong password fails, with the same message.
class ScramServer {
 public:
  // `verifier` nullopt: unknown user; `mock_key` makes its fake salt stable per user name.
  ScramServer(std::string user, std::optional<ScramVerifier> verifier, std::string_view mock_key,
              ChannelBinding binding = {});

  // client-first-message -> server-first-message; throws ProtocolError on malformed input.
  std::string first(std::string_view client_first);
  // client-final-message -> server-final-message, or nullopt when the proof is wrong (or the
  // user unknown). Throws ProtocolError on malformed input.
  std::optional<std::string> final(std::string_view client_final);

 private:
  std::string user_;
  std::optional<ScramVerifier> verifier_;
  ScramVerifier effective_;
  ChannelBinding binding_;
  std::string gs2_header_;  // "n,,", "y,," or "p=tls-server-end-point,," (with an authzid, if any)
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
};

}  // namespace pond::serve
