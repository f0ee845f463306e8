#include "project/env_render.hpp"

#include <cstdlib>
#include <string_view>

#include "common/error.hpp"

namespace pond::project {

namespace {

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
}

bool read_string(std::string_view s, std::size_t& i, std::string& out) {
  if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) return false;
  char q = s[i++];
  std::size_t start = i;
  while (i < s.size() && s[i] != q) ++i;
  if (i >= s.size()) return false;
  out.assign(s.substr(start, i - start));
  ++i;
  return true;
}

// Parses `env_var('X' [, 'default'])` inside "{{ ... }}"; false when it is anything else.
bool parse_call(std::string_view inner, std::string& name, std::string& def, bool& has_default) {
  std::size_t i = 0;
  skip_space(inner, i);
  if (inner.substr(i, 8) != "env_var(") return false;
  i += 8;
  skip_space(inner, i);
  if (!read_string(inner, i, name)) return false;
  skip_space(inner, i);
  has_default = false;
  if (i < inner.size() && inner[i] == ',') {
    ++i;
    skip_space(inner, i);
    if (!read_string(inner, i, def)) return false;
    has_default = true;
    skip_space(inner, i);
  }
  if (i >= inner.size() || inner[i] != ')') return false;
  ++i;
  skip_space(inner, i);
  return i == inner.size();
}

}  // namespace

std::string render_env_vars(std::string text, const std::string& file) {
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    std::size_t end = text.find("}}", pos + 2);
    if (end == std::string::npos) break;
    std::string name, def;
    bool has_default = false;
    std::string_view inner(text.data() + pos + 2, end - pos - 2);
    if (!parse_call(inner, name, def, has_default)) {
      pos = end + 2;
      continue;
    }
    std::string value;
    if (const char* env = std::getenv(name.c_str())) {
      value = env;
    } else if (has_default) {
      value = def;
    } else {
      int line = 1, col = 1;
      for (std::size_t k = 0; k < pos; ++k) {
        if (text[k] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
      }
      throw UserError(SourceLocation{file, line, col},
                      "env_var('" + name + "') is not set and has no default",
                      "export " + name + "=... or give a default: env_var('" + name + "', 'value')");
    }
    text.replace(pos, end + 2 - pos, value);
    pos += value.size();
  }
  return text;
}

}  // namespace pond::project
