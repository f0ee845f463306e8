#include "lake/sql_text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <random>

namespace pond::lake {

namespace {
std::string quote_with(std::string_view text, char q) {
  std::string out(1, q);
  for (char c : text) {
    if (c == q) out += q;
    out += c;
  }
  out += q;
  return out;
}
}  // namespace

std::string quote_ident(std::string_view name) {
  return quote_with(name, '"');
}
std::string quote_literal(std::string_view text) {
  return quote_with(text, '\'');
}
std::string literal_or_null(const std::optional<std::string>& text) {
  return text ? quote_literal(*text) : std::string("NULL");
}

std::string strip_query(std::string_view sql) {
  while (!sql.empty() && (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back()))))
    sql.remove_suffix(1);
  return std::string(sql);
}

std::int64_t to_int(const std::optional<std::string>& text, std::int64_t fallback) {
  if (!text || text->empty()) return fallback;
  return std::stoll(*text);
}
std::optional<std::int64_t> to_opt_int(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  return std::stoll(*text);
}
bool to_bool(const std::optional<std::string>& text, bool fallback) {
  if (!text || text->empty()) return fallback;
  const std::string& s = *text;
  return s == "1" || s == "t" || s == "true" || s == "TRUE" || s == "True";
}

std::string utc_now_text() {
  auto now = std::chrono::system_clock::now();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

std::string random_uuid() {
  std::random_device rd;
  std::mt19937_64 gen(
      (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::uint64_t hi = gen(), lo = gen();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                     lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

}  // namespace pond::lake
