#pragma once
// PostgreSQL protocol 3.0, frontend side: the startup packet and the typed messages a client
// sends, decoded from bytes with every length checked. A malformed message is a
// ProtocolError; nothing here trusts a length it has not bounded.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pond::serve {

// PostgreSQL's limit for a startup packet, and pond's for any other message.
constexpr std::size_t kMaxStartupLength = 10000;
constexpr std::size_t kMaxMessageLength = 64 * 1024 * 1024;

// The client broke the protocol; the session ends with SQLSTATE 08P01 (protocol_violation).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads big-endian integers and NUL-terminated strings from a message body, never past its end.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::int16_t i16();
  std::int32_t i32();
  std::uint8_t byte();
  std::string cstring();  // up to the next NUL, which is consumed
  std::string bytes(std::size_t n);
  std::size_t remaining() const { return bytes_.size() - pos_; }
  // Throws unless every byte was read (`what` names the message).
  void expect_end(const char* what) const;

 private:
  void need(std::size_t n) const;
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

// The length word that starts a startup packet (it counts itself) checked against the limit;
// returns the body length that follows.
std::size_t startup_body_length(std::int32_t length_word);
// The length word of a typed message (after its type byte) checked; returns the body length.
std::size_t message_body_length(std::int32_t length_word);
// Big-endian int32 from four bytes.
std::int32_t read_i32(const std::uint8_t* p);

struct StartupMessage {
  int major = 0;
  int minor = 0;
  std::vector<std::pair<std::string, std::string>> parameters;
  std::optional<std::string> get(const std::string& name) const;
};
struct SslRequest {};
struct GssEncRequest {};
struct CancelRequest {
  std::int32_t process_id = 0;
  std::int32_t secret = 0;
};
using StartupPacket = std::variant<StartupMessage, SslRequest, GssEncRequest, CancelRequest>;

// Decodes a startup packet's body (the bytes after its length word).
StartupPacket decode_startup(std::span<const std::uint8_t> body);

// ---- typed frontend messages
struct Query {
  std::string sql;
};
struct Parse {
  std::string statement;
  std::string sql;
  std::vector<std::int32_t> parameter_types;
};
struct Bind {
  std::string portal;
  std::string statement;
  std::vector<std::int16_t> parameter_formats;
  std::vector<std::optional<std::string>> parameters;
  std::vector<std::int16_t> result_formats;
};
struct Describe {
  char kind = 'S';  // 'S' statement, 'P' portal
  std::string name;
};
struct Execute {
  std::string portal;
  std::int32_t max_rows = 0;  // 0: all
};
struct Close {
  char kind = 'S';
  std::string name;
};
struct Sync {};
struct Flush {};
struct Terminate {};
// 'p': the password/SASL message; its meaning depends on the authentication in progress.
struct AuthResponse {
  std::string body;
};
using FrontendMessage =
    std::variant<Query, Parse, Bind, Describe, Execute, Close, Sync, Flush, Terminate, AuthResponse>;

// Decodes one typed message; an unknown type byte is a ProtocolError.
FrontendMessage decode_message(char type, std::span<const std::uint8_t> body);

// SASLInitialResponse: the mechanism and the client's first message.
struct SaslInitial {
  std::string mechanism;
  std::string data;
};
SaslInitial decode_sasl_initial(const std::string& body);

}  // namespace pond::serve
