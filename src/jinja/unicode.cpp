// Case mapping for the scripts templates meet in practice (Latin-1, Latin Extended-A, Greek,
// Cyrillic), as Python's str.upper/lower/capitalize/title do it.
#include "jinja/ops.hpp"

namespace pond::jinja {

namespace {

std::uint32_t decode(std::string_view s, std::size_t i, std::size_t& n) {
  auto c = static_cast<unsigned char>(s[i]);
  n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (i + n > s.size()) n = 1;
  if (n == 1) return c;
  std::uint32_t cp = c & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

bool pair_range_upper(std::uint32_t cp) {  // Latin Extended-A: which code points are the capitals
  if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) return cp % 2 == 0;
  if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) return cp % 2 == 1;
  return false;
}
bool in_pair_range(std::uint32_t cp) {
  return (cp >= 0x100 && cp <= 0x137 && cp != 0x130 && cp != 0x131) || (cp >= 0x139 && cp <= 0x148) ||
         (cp >= 0x14A && cp <= 0x177) || (cp >= 0x179 && cp <= 0x17E) || (cp >= 0x460 && cp <= 0x481);
}

}  // namespace

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::uint32_t cp_upper(std::uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  if ((cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)) return cp - 32;
  if (cp == 0xFF) return 0x178;
  if (cp == 0xB5) return 0x39C;
  if (cp == 0x131) return 'I';
  if (cp == 0x17F) return 'S';
  if (in_pair_range(cp)) {
    bool upper_even = cp >= 0x460 || (cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177);
    bool is_upper = cp >= 0x460 ? cp % 2 == 0 : pair_range_upper(cp);
    (void)upper_even;
    return is_upper ? cp : cp - 1;
  }
  if (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2) return cp - 32;
  if (cp == 0x3C2) return 0x3A3;
  if (cp == 0x3AC) return 0x386;
  if (cp >= 0x3AD && cp <= 0x3AF) return cp - 37;
  if (cp == 0x3CC) return 0x38C;
  if (cp == 0x3CD || cp == 0x3CE) return cp - 63;
  if (cp >= 0x3CA && cp <= 0x3CB) return cp - 32;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  return cp;
}

std::uint32_t cp_lower(std::uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp == 0x178) return 0xFF;
  if (cp == 0x130) return 'i';
  if (in_pair_range(cp)) {
    bool is_upper = cp >= 0x460 ? cp % 2 == 0 : pair_range_upper(cp);
    return is_upper ? cp + 1 : cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
  if (cp == 0x386) return 0x3AC;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 63;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

bool cp_is_cased(std::uint32_t cp) {
  return cp_upper(cp) != cp || cp_lower(cp) != cp || cp == 0xDF;
}
bool cp_is_upper(std::uint32_t cp) {
  return cp_lower(cp) != cp;
}
bool cp_is_lower(std::uint32_t cp) {
  return cp_upper(cp) != cp || cp == 0xDF;
}

namespace {
void append_upper(std::string& out, std::uint32_t cp) {
  if (cp == 0xDF) {
    out += "SS";
    return;
  }
  append_utf8(out, cp_upper(cp));
}
}  // namespace

std::string ascii_lower(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
  }
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n;
    std::uint32_t cp = decode(s, i, n);
    if (n == 1 && cp >= 0x80)
      out += s[i];
    else
      append_utf8(out, cp_lower(cp));
    i += n;
  }
  return out;
}

std::string ascii_upper(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
  }
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n;
    std::uint32_t cp = decode(s, i, n);
    if (n == 1 && cp >= 0x80)
      out += s[i];
    else
      append_upper(out, cp);
    i += n;
  }
  return out;
}

std::string py_case_words(std::string_view s, bool title, bool swap) {
  std::string out;
  out.reserve(s.size());
  bool prev_cased = false;
  bool first = true;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n;
    std::uint32_t cp = decode(s, i, n);
    if (n == 1 && cp >= 0x80) {
      out += s[i];
      i += n;
      continue;
    }
    if (swap) {
      if (cp_is_upper(cp))
        append_utf8(out, cp_lower(cp));
      else if (cp_is_lower(cp))
        append_upper(out, cp);
      else
        append_utf8(out, cp);
    } else if (title) {
      bool cased = cp_is_cased(cp);
      if (cased) {
        if (prev_cased)
          append_utf8(out, cp_lower(cp));
        else
          append_upper(out, cp);
      } else {
        append_utf8(out, cp);
      }
      prev_cased = cased;
    } else {  // capitalize
      if (first)
        append_upper(out, cp);
      else
        append_utf8(out, cp_lower(cp));
    }
    first = false;
    i += n;
  }
  return out;
}

}  // namespace pond::jinja
