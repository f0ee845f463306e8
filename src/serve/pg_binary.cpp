#include "serve/pg_binary.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "serve/sql_error.hpp"

namespace pond::serve {

namespace {

[[noreturn]] void bad(std::int32_t oid, std::string_view text) {
  throw SqlError("22P03",
                 "pond serve cannot send '" + std::string(text) + "' as binary type " + std::to_string(oid));
}

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::int64_t integer(std::int32_t oid, std::string_view t) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) bad(oid, t);
  return v;
}

// Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

constexpr std::int64_t kEpoch2000 = 10957;  // days from 1970-01-01 to 2000-01-01

// "YYYY-MM-DD[ BC]" at the start of `t`: days since 2000-01-01; `rest` gets what follows the date.
std::int64_t date_days(std::int32_t oid, std::string_view t, std::string_view& rest) {
  auto dash1 = t.find('-');
  if (dash1 == std::string_view::npos || dash1 == 0 || t.size() < dash1 + 6) bad(oid, t);
  std::int64_t y = integer(oid, t.substr(0, dash1));
  std::int64_t m = integer(oid, t.substr(dash1 + 1, 2));
  std::int64_t d = integer(oid, t.substr(dash1 + 4, 2));
  rest = t.substr(dash1 + 6);
  if (rest.size() >= 3 && rest.substr(rest.size() - 3) == " BC") {
    y = 1 - y;
    rest.remove_suffix(3);
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) bad(oid, t);
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) - kEpoch2000;
}

// "HH:MM:SS[.ffffff]" at the start of `t`: microseconds; `rest` gets what follows.
std::int64_t time_micros(std::int32_t oid, std::string_view t, std::string_view& rest) {
  if (t.size() < 8 || t[2] != ':' || t[5] != ':') bad(oid, t);
  std::int64_t us = (integer(oid, t.substr(0, 2)) * 3600 + integer(oid, t.substr(3, 2)) * 60 +
                     integer(oid, t.substr(6, 2))) *
                    1000000;
  std::size_t i = 8;
  if (i < t.size() && t[i] == '.') {
    std::int64_t scale = 100000;
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, scale /= 10) us += (t[i] - '0') * scale;
  }
  rest = t.substr(i);
  return us;
}

// "+HH[:MM[:SS]]" or "-HH...": seconds east of UTC.
std::int64_t offset_seconds(std::int32_t oid, std::string_view t) {
  if (t.size() < 3 || (t[0] != '+' && t[0] != '-')) bad(oid, t);
  std::int64_t s = integer(oid, t.substr(1, 2)) * 3600;
  if (t.size() >= 6) s += integer(oid, t.substr(4, 2)) * 60;
  if (t.size() >= 9) s += integer(oid, t.substr(7, 2));
  return t[0] == '-' ? -s : s;
}

std::string numeric(std::string_view t) {
  std::string out;
  if (t == "NaN" || t == "Infinity" || t == "-Infinity") {
    put(out, 0, 2);
    put(out, 0, 2);
    put(out, t == "NaN" ? 0xC000 : t == "Infinity" ? 0xD000 : 0xF000, 2);
    put(out, 0, 2);
    return out;
  }
  bool negative = !t.empty() && t[0] == '-';
  if (negative || (!t.empty() && t[0] == '+')) t.remove_prefix(1);
  auto dot = t.find('.');
  std::string whole(t.substr(0, dot));
  std::string frac(dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1));
  for (char c : whole + frac)
    if (c < '0' || c > '9') bad(1700, t);
  const auto dscale = static_cast<std::int16_t>(frac.size());
  whole.insert(0, (4 - whole.size() % 4) % 4, '0');
  frac.append((4 - frac.size() % 4) % 4, '0');
  std::vector<std::int16_t> digits;
  std::string all = whole + frac;
  for (std::size_t i = 0; i < all.size(); i += 4)
    digits.push_back(static_cast<std::int16_t>(std::stoi(all.substr(i, 4))));
  auto weight = static_cast<std::int16_t>(whole.size() / 4 - 1);
  std::size_t first = 0;
  while (first < digits.size() && digits[first] == 0) {
    ++first;
    --weight;
  }
  std::size_t last = digits.size();
  while (last > first && digits[last - 1] == 0) --last;
  if (first == last) weight = 0;
  put(out, last - first, 2);
  put(out, static_cast<std::uint16_t>(weight), 2);
  put(out, negative && first != last ? 0x4000 : 0, 2);
  put(out, static_cast<std::uint16_t>(dscale), 2);
  for (std::size_t i = first; i < last; ++i) put(out, static_cast<std::uint16_t>(digits[i]), 2);
  return out;
}

int hex(std::int32_t oid, std::string_view t, char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  bad(oid, t);
}

}  // namespace

bool binary_result_supported(std::int32_t oid) {
  switch (oid) {
    case 16:
    case 17:
    case 18:
    case 19:
    case 20:
    case 21:
    case 23:
    case 25:
    case 26:
    case 114:
    case 700:
    case 701:
    case 1043:
    case 1082:
    case 1083:
    case 1114:
    case 1184:
    case 1700:
    case 2950:
      return true;
    default:
      return false;
  }
}

std::string binary_value(std::int32_t oid, std::string_view t) {
  std::string out;
  std::string_view rest;
  switch (oid) {
    case 16:
      if (t != "t" && t != "f") bad(oid, t);
      return std::string(1, t == "t" ? '\1' : '\0');
    case 21:
      put(out, static_cast<std::uint16_t>(integer(oid, t)), 2);
      return out;
    case 23:
    case 26:
      put(out, static_cast<std::uint32_t>(integer(oid, t)), 4);
      return out;
    case 20:
      put(out, static_cast<std::uint64_t>(integer(oid, t)), 8);
      return out;
    case 700:
    case 701: {
      std::string copy(t);
      char* end = nullptr;
      double v = std::strtod(copy.c_str(), &end);
      if (end != copy.c_str() + copy.size()) bad(oid, t);
      if (oid == 700)
        put(out, std::bit_cast<std::uint32_t>(static_cast<float>(v)), 4);
      else
        put(out, std::bit_cast<std::uint64_t>(v), 8);
      return out;
    }
    case 1082: {
      std::int64_t days = t == "infinity"    ? std::numeric_limits<std::int32_t>::max()
                          : t == "-infinity" ? std::numeric_limits<std::int32_t>::min()
                                             : date_days(oid, t, rest);
      if (!rest.empty()) bad(oid, t);
      put(out, static_cast<std::uint32_t>(days), 4);
      return out;
    }
    case 1083: {
      std::int64_t us = time_micros(oid, t, rest);
      if (!rest.empty()) bad(oid, t);
      put(out, static_cast<std::uint64_t>(us), 8);
      return out;
    }
    case 1114:
    case 1184: {
      std::int64_t us;
      if (t == "infinity" || t == "-infinity") {
        us = t == "infinity" ? std::numeric_limits<std::int64_t>::max()
                             : std::numeric_limits<std::int64_t>::min();
      } else {
        std::string_view bc;
        bool is_bc = t.size() > 3 && t.substr(t.size() - 3) == " BC";
        std::string_view body = is_bc ? t.substr(0, t.size() - 3) : t;
        auto space = body.find(' ');
        if (space == std::string_view::npos) bad(oid, t);
        std::string date(body.substr(0, space));
        if (is_bc) date += " BC";
        std::int64_t days = date_days(oid, date, bc);
        if (!bc.empty()) bad(oid, t);
        us = days * 86400000000LL + time_micros(oid, body.substr(space + 1), rest);
        if (oid == 1184) {
          us -= offset_seconds(oid, rest) * 1000000;
        } else if (!rest.empty()) {
          bad(oid, t);
        }
      }
      put(out, static_cast<std::uint64_t>(us), 8);
      return out;
    }
    case 1700:
      return numeric(t);
    case 2950: {
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '-') continue;
        if (i + 1 >= t.size()) bad(oid, t);
        out += static_cast<char>(hex(oid, t, t[i]) * 16 + hex(oid, t, t[i + 1]));
        ++i;
      }
      if (out.size() != 16) bad(oid, t);
      return out;
    }
    case 17: {
      if (t.substr(0, 2) != "\\x" || t.size() % 2) bad(oid, t);
      for (std::size_t i = 2; i < t.size(); i += 2)
        out += static_cast<char>(hex(oid, t, t[i]) * 16 + hex(oid, t, t[i + 1]));
      return out;
    }
    case 18:
    case 19:
    case 25:
    case 114:
    case 1043:
      return std::string(t);  // text types: the binary format is the text
    default:
      throw SqlError("0A000", "binary-format results of type " + std::to_string(oid) +
                                  " are not supported by pond serve yet");
  }
}

}  // namespace pond::serve
