#include "serve/wire_decode.hpp"

#include <fmt/format.h>

namespace pond::serve {

namespace {

constexpr std::int32_t kSslRequestCode = 80877103;
constexpr std::int32_t kGssEncRequestCode = 80877104;
constexpr std::int32_t kCancelRequestCode = 80877102;

std::vector<std::int16_t> formats(ByteReader& r) {
  std::int16_t n = r.i16();
  if (n < 0) throw ProtocolError("negative format count");
  std::vector<std::int16_t> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int16_t i = 0; i < n; ++i) {
    std::int16_t f = r.i16();
    if (f != 0 && f != 1) throw ProtocolError(fmt::format("invalid format code {}", f));
    out.push_back(f);
  }
  return out;
}

char kind_byte(ByteReader& r, const char* what) {
  char k = static_cast<char>(r.byte());
  if (k != 'S' && k != 'P') throw ProtocolError(fmt::format("invalid {} kind '{}'", what, k));
  return k;
}

}  // namespace

void ByteReader::need(std::size_t n) const {
  if (n > remaining()) throw ProtocolError("message is shorter than its contents");
}
std::uint8_t ByteReader::byte() {
  need(1);
  return bytes_[pos_++];
}
std::int16_t ByteReader::i16() {
  need(2);
  auto v = static_cast<std::int16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
  pos_ += 2;
  return v;
}
std::int32_t ByteReader::i32() {
  need(4);
  std::int32_t v = read_i32(bytes_.data() + pos_);
  pos_ += 4;
  return v;
}
std::string ByteReader::cstring() {
  for (std::size_t i = pos_; i < bytes_.size(); ++i) {
    if (bytes_[i] == 0) {
      std::string out(reinterpret_cast<const char*>(bytes_.data() + pos_), i - pos_);
      pos_ = i + 1;
      return out;
    }
  }
  throw ProtocolError("string is not terminated");
}
std::string ByteReader::bytes(std::size_t n) {
  need(n);
  std::string out(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
  pos_ += n;
  return out;
}
void ByteReader::expect_end(const char* what) const {
  if (remaining() != 0) throw ProtocolError(fmt::format("{} message has {} extra bytes", what, remaining()));
}

std::int32_t read_i32(const std::uint8_t* p) {
  return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}

std::size_t startup_body_length(std::int32_t length_word) {
  if (length_word < 8 || static_cast<std::size_t>(length_word) > kMaxStartupLength)
    throw ProtocolError(fmt::format("invalid length of startup packet: {}", length_word));
  return static_cast<std::size_t>(length_word) - 4;
}

std::size_t message_body_length(std::int32_t length_word) {
  if (length_word < 4 || static_cast<std::size_t>(length_word) > kMaxMessageLength)
    throw ProtocolError(fmt::format("invalid message length {}", length_word));
  return static_cast<std::size_t>(length_word) - 4;
}

std::optional<std::string> StartupMessage::get(const std::string& name) const {
  for (const auto& [k, v] : parameters)
    if (k == name) return v;
  return std::nullopt;
}

StartupPacket decode_startup(std::span<const std::uint8_t> body) {
  ByteReader r(body);
  std::int32_t code = r.i32();
  if (code == kSslRequestCode) {
    r.expect_end("SSLRequest");
    return SslRequest{};
  }
  if (code == kGssEncRequestCode) {
    r.expect_end("GSSENCRequest");
    return GssEncRequest{};
  }
  if (code == kCancelRequestCode) {
    CancelRequest c;
    c.process_id = r.i32();
    c.secret = r.i32();
    r.expect_end("CancelRequest");
    return c;
  }
  StartupMessage m;
  m.major = code >> 16;
  m.minor = code & 0xffff;
  // Another major version's packet is not read further (protocol 2's has another layout): the
  // session refuses it, as PostgreSQL does, in a format that client reads.
  if (m.major != 3) return m;
  for (;;) {
    std::string key = r.cstring();
    if (key.empty()) break;
    std::string value = r.cstring();
    m.parameters.emplace_back(std::move(key), std::move(value));
  }
  r.expect_end("StartupMessage");
  return m;
}

FrontendMessage decode_message(char type, std::span<const std::uint8_t> body) {
  ByteReader r(body);
  switch (type) {
    case 'Q': {
      Query q{r.cstring()};
      r.expect_end("Query");
      return q;
    }
    case 'P': {
      Parse p;
      p.statement = r.cstring();
      p.sql = r.cstring();
      std::int16_t n = r.i16();
      if (n < 0) throw ProtocolError("negative parameter type count");
      for (std::int16_t i = 0; i < n; ++i) p.parameter_types.push_back(r.i32());
      r.expect_end("Parse");
      return p;
    }
    case 'B': {
      Bind b;
      b.portal = r.cstring();
      b.statement = r.cstring();
      b.parameter_formats = formats(r);
      std::int16_t n = r.i16();
      if (n < 0) throw ProtocolError("negative parameter count");
      for (std::int16_t i = 0; i < n; ++i) {
        std::int32_t len = r.i32();
        if (len == -1) {
          b.parameters.emplace_back(std::nullopt);
        } else {
          if (len < 0) throw ProtocolError(fmt::format("invalid parameter length {}", len));
          b.parameters.emplace_back(r.bytes(static_cast<std::size_t>(len)));
        }
      }
      b.result_formats = formats(r);
      r.expect_end("Bind");
      return b;
    }
    case 'D': {
      Describe d;
      d.kind = kind_byte(r, "Describe");
      d.name = r.cstring();
      r.expect_end("Describe");
      return d;
    }
    case 'E': {
      Execute e;
      e.portal = r.cstring();
      e.max_rows = r.i32();
      r.expect_end("Execute");
      return e;
    }
    case 'C': {
      Close c;
      c.kind = kind_byte(r, "Close");
      c.name = r.cstring();
      r.expect_end("Close");
      return c;
    }
    case 'S':
      r.expect_end("Sync");
      return Sync{};
    case 'H':
      r.expect_end("Flush");
      return Flush{};
    case 'X':
      r.expect_end("Terminate");
      return Terminate{};
    case 'p':
      return AuthResponse{r.bytes(r.remaining())};
    default:
      throw ProtocolError(fmt::format("invalid frontend message type {}", static_cast<int>(type)));
  }
}

SaslInitial decode_sasl_initial(const std::string& body) {
  ByteReader r({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()});
  SaslInitial s;
  s.mechanism = r.cstring();
  std::int32_t len = r.i32();
  if (len < -1) throw ProtocolError("invalid SASL response length");
  if (len > 0) s.data = r.bytes(static_cast<std::size_t>(len));
  r.expect_end("SASLInitialResponse");
  return s;
}

}  // namespace pond::serve
