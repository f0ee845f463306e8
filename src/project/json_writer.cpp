#include "project/json_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace pond::project {

void JsonWriter::flush(std::size_t limit) {
  if (!sink_ || len_ <= limit) return;
  sink_->write(out_.data(), static_cast<std::streamsize>(len_));
  len_ = 0;
}

void JsonWriter::grow(std::size_t more) {
  out_.resize(std::max(out_.size() * 2, len_ + more + 256));
}

JsonWriter& JsonWriter::begin_object() {
  comma();
  put('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  put('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  comma();
  put('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  put(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  comma();
  write_string(k);
  put(':');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  comma();
  write_string(s);
  need_comma_ = true;
  return *this;
}

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

// Nonzero when one of the eight bytes must be escaped: below 0x20 (bytes >= 0x80 have their
// high bit set in w and do not count), '"' or '\\'.
std::uint64_t special_bytes(std::uint64_t w) {
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  return ((w - kOnes * 0x20) & ~w & kHigh) | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'));
}

// True when some byte of `s` must be escaped, tested eight bytes at a time: nearly every
// string of a manifest needs no escaping and is copied whole.
bool needs_escape(std::string_view s) {
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t w = kOnes * 'a';  // short strings are padded with a plain byte
  if (n < 8) {
    std::memcpy(&w, p, n);
    return special_bytes(w) != 0;
  }
  for (; n > 8; p += 8, n -= 8) {
    std::memcpy(&w, p, 8);
    if (special_bytes(w)) return true;
  }
  std::memcpy(&w, p + n - 8, 8);  // the last eight bytes (overlapping the previous word)
  return special_bytes(w) != 0;
}

}  // namespace

void JsonWriter::write_string(std::string_view s) {
  if (!needs_escape(s)) {
    if (out_.size() - len_ < s.size() + 2) grow(s.size() + 2);
    char* p = out_.data() + len_;
    p[0] = '"';
    if (!s.empty()) std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = '"';
    len_ += s.size() + 2;
    return;
  }
  put('"');
  // Table lookup: most characters need no escaping and are copied in runs.
  static constexpr auto kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 256; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
  }();
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (kPlain[c]) continue;
    put(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        put("\\\"");
        break;
      case '\\':
        put("\\\\");
        break;
      case '\n':
        put("\\n");
        break;
      case '\r':
        put("\\r");
        break;
      case '\t':
        put("\\t");
        break;
      case '\b':
        put("\\b");
        break;
      case '\f':
        put("\\f");
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        put("\\u00");
        put(kHex[c >> 4]);
        put(kHex[c & 15]);
      }
    }
  }
  put(s.substr(run));
  put('"');
}

JsonWriter& JsonWriter::value(bool b) {
  comma();
  put(b ? "true" : "false");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  comma();
  need_comma_ = true;
  if (!std::isfinite(d)) {
    put("null");
    return *this;
  }
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  put(std::string_view(buf, static_cast<std::size_t>(p - buf)));
  return *this;
}

JsonWriter& JsonWriter::value(long long i) {
  comma();
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, i);
  put(std::string_view(buf, static_cast<std::size_t>(p - buf)));
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw_members(std::string_view members) {
  if (members.empty()) return *this;
  comma();
  put(members);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::null() {
  comma();
  put("null");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      begin_object();
      for (const auto& [k, v] : j.items()) {
        key(k);
        value(v);
      }
      return end_object();
    case nlohmann::json::value_t::array:
      begin_array();
      for (const auto& v : j) value(v);
      return end_array();
    case nlohmann::json::value_t::string:
      return value(std::string_view(j.get_ref<const std::string&>()));
    case nlohmann::json::value_t::boolean:
      return value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return value(static_cast<long long>(j.get<std::int64_t>()));
    case nlohmann::json::value_t::number_unsigned:
      return value(static_cast<long long>(j.get<std::uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return value(j.get<double>());
    default:
      return null();
  }
}

JsonWriter& JsonWriter::strings(const std::vector<std::string>& items) {
  begin_array();
  for (const auto& s : items) value(s);
  return end_array();
}

}  // namespace pond::project
