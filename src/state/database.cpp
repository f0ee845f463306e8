#include "state/database.hpp"

#include <cctype>
#include <cstdlib>

namespace pond::state {

std::string redact_conninfo(std::string_view conninfo) {
  std::string s(conninfo);
  // URI form: scheme://user:password@host/...
  if (auto scheme = s.find("://"); scheme != std::string::npos) {
    std::size_t auth_start = scheme + 3;
    std::size_t at = s.find('@', auth_start);
    std::size_t slash = s.find('/', auth_start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      std::size_t colon = s.find(':', auth_start);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
    // ...?password=x&...
    for (std::size_t p = s.find("password=", auth_start); p != std::string::npos;
         p = s.find("password=", p + 1)) {
      if (p > 0 && s[p - 1] != '?' && s[p - 1] != '&') continue;
      std::size_t end = s.find('&', p);
      s.replace(p + 9, (end == std::string::npos ? s.size() : end) - p - 9, "***");
    }
    return s;
  }
  // key=value form: password=secret or password='sec ret'
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t key_start = i;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::string key = s.substr(key_start, i - key_start);
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      std::size_t v_start = i;
      if (i < s.size() && s[i] == '\'') {
        ++i;
        while (i < s.size() && s[i] != '\'') i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
        if (i < s.size()) ++i;
      } else {
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      }
      out += key + "=" + (key == "password" ? std::string("***") : s.substr(v_start, i - v_start));
    } else {
      out += key;
    }
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) out += s[i++];
  }
  return out;
}

std::int64_t to_int(const std::optional<std::string>& text, std::int64_t fallback) {
  if (!text || text->empty()) return fallback;
  return std::strtoll(text->c_str(), nullptr, 10);
}

std::optional<std::int64_t> to_opt_int(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  return std::strtoll(text->c_str(), nullptr, 10);
}

std::optional<double> to_opt_double(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  return std::strtod(text->c_str(), nullptr);
}

bool to_bool(const std::optional<std::string>& text, bool fallback) {
  if (!text || text->empty()) return fallback;
  const std::string& s = *text;
  return s == "1" || s == "t" || s == "true" || s == "TRUE" || s == "True";
}

}  // namespace pond::state
