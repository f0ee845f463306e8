#include "project/sql_scan.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/error.hpp"

namespace pond::project {

namespace {

bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool ident_char(char c) {
  return ident_start(c) || (c >= '0' && c <= '9');
}

// A cursor over one Jinja expression region with a literal parser.
class Cursor {
 public:
  Cursor(std::string_view s, std::size_t pos = 0) : s_(s), i_(pos) {}

  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool done() {
    space();
    return i_ >= s_.size();
  }
  char peek() {
    space();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  std::size_t pos() const { return i_; }
  void seek(std::size_t p) { i_ = p; }

  std::string_view ident() {
    space();
    if (i_ >= s_.size() || !ident_start(s_[i_])) return {};
    std::size_t b = i_;
    while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
    return s_.substr(b, i_ - b);
  }

  bool string(std::string& out) {
    space();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) return false;
    char q = s_[i_++];
    out.clear();
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
        char e = s_[++i_];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        ++i_;
        continue;
      }
      out += s_[i_++];
    }
    if (i_ >= s_.size()) return false;
    ++i_;
    return true;
  }

  bool literal(nlohmann::json& out) {
    char c = peek();
    if (c == '\'' || c == '"') {
      std::string s;
      if (!string(s)) return false;
      // Adjacent string literals concatenate, as in Python and Jinja.
      std::string more;
      while ((peek() == '\'' || peek() == '"') && string(more)) s += more;
      out = std::move(s);
      return true;
    }
    if (c == '[' || c == '(') {
      char close = c == '[' ? ']' : ')';
      ++i_;
      out = nlohmann::json::array();
      while (!eat(close)) {
        nlohmann::json item;
        if (!literal(item)) return false;
        out.push_back(std::move(item));
        if (!eat(',') && peek() != close) return false;
      }
      return true;
    }
    if (c == '{') {
      ++i_;
      out = nlohmann::json::object();
      while (!eat('}')) {
        nlohmann::json key, value;
        if (!literal(key) || !key.is_string() || !eat(':') || !literal(value)) return false;
        out[key.get<std::string>()] = std::move(value);
        if (!eat(',') && peek() != '}') return false;
      }
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t b = i_;
      if (s_[i_] == '-') ++i_;
      while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '.' || s_[i_] == '_')) ++i_;
      std::string num(s_.substr(b, i_ - b));
      num.erase(std::remove(num.begin(), num.end(), '_'), num.end());
      if (num == "-") return false;
      if (num.find('.') != std::string::npos)
        out = std::stod(num);
      else
        out = std::stoll(num);
      return true;
    }
    std::size_t b = i_;
    std::string_view id = ident();
    if (id == "True" || id == "true") {
      out = true;
    } else if (id == "False" || id == "false") {
      out = false;
    } else if (id == "None" || id == "none") {
      out = nullptr;
    } else {
      i_ = b;
      return false;
    }
    return true;
  }

  // Skips one argument expression (up to ',' or ')' at depth 0).
  void skip_expression() {
    int depth = 0;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\'' || c == '"') {
        std::string ignored;
        if (!string(ignored)) return;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) return;
        --depth;
      }
      if (c == ',' && depth == 0) return;
      ++i_;
    }
  }

 private:
  std::string_view s_;
  std::size_t i_;
};

// Arguments of a call whose "(" was just consumed: positional literals and keyword literals.
struct CallArgs {
  std::vector<nlohmann::json> positional;
  nlohmann::json kwargs = nlohmann::json::object();
  bool all_literal = true;
};

CallArgs parse_args(Cursor& c) {
  CallArgs out;
  while (!c.done() && !c.eat(')')) {
    std::size_t start = c.pos();
    std::string_view key = c.ident();
    std::string kw;
    if (!key.empty() && c.peek() == '=') {
      c.eat('=');
      kw = key;
    } else {
      c.seek(start);
    }
    nlohmann::json value;
    std::size_t before = c.pos();
    if (c.literal(value) && (c.peek() == ',' || c.peek() == ')')) {
      if (kw.empty())
        out.positional.push_back(std::move(value));
      else
        out.kwargs[kw] = std::move(value);
    } else {
      c.seek(before);
      c.skip_expression();
      out.all_literal = false;
    }
    if (!c.eat(',') && c.peek() != ')') break;
  }
  return out;
}

bool is_keyword(std::string_view id) {
  static constexpr std::string_view kw[] = {"if",   "elif",   "else", "for",   "in",     "not",
                                            "and",  "or",     "is",   "set",   "endset", "do",
                                            "call", "filter", "with", "return"};
  return std::find(std::begin(kw), std::end(kw), id) != std::end(kw);
}

// Whether the name at `at` is a filter (after `|`) or a test (after `is` / `is not`).
bool filter_or_test(std::string_view code, std::size_t at) {
  std::size_t i = at;
  auto skip_space = [&] {
    while (i > 0 && std::isspace(static_cast<unsigned char>(code[i - 1]))) --i;
  };
  auto word_before = [&](std::string_view w) {
    if (i < w.size() || code.substr(i - w.size(), w.size()) != w) return false;
    std::size_t b = i - w.size();
    return b == 0 || !(std::isalnum(static_cast<unsigned char>(code[b - 1])) || code[b - 1] == '_');
  };
  skip_space();
  if (i > 0 && code[i - 1] == '|') return true;
  if (word_before("is")) return true;
  if (word_before("not")) {
    i -= 3;
    skip_space();
    return word_before("is");
  }
  return false;
}

// `python`: the region is a Python model, where the calls are dbt.ref/dbt.source/dbt.config
// and `#` starts a comment.
void scan_region(std::string_view code, std::size_t begin, std::size_t end, SqlScan& out,
                 bool python = false) {
  std::string_view region = code.substr(0, end);
  Cursor c(region, begin);
  while (!c.done()) {
    char ch = c.peek();
    if (python && ch == '#') {
      std::size_t nl = code.find('\n', c.pos());
      c.seek(nl == std::string_view::npos || nl > end ? end : nl);
      continue;
    }
    if (ch == '\'' || ch == '"') {
      std::string ignored;
      if (!c.string(ignored)) return;
      continue;
    }
    std::size_t at = c.pos();
    std::string_view id = c.ident();
    if (id.empty()) {
      c.seek(c.pos() + 1);
      continue;
    }
    // Dotted names: `pkg.macro(` or `adapter.dispatch(`; attribute calls on other objects
    // are kept whole so the macro resolver can decide.
    std::string name(id);
    while (c.peek() == '.') {
      std::size_t dot = c.pos();
      c.eat('.');
      std::string_view part = c.ident();
      if (part.empty()) {
        c.seek(dot + 1);
        break;
      }
      name += '.';
      name += part;
    }
    if (at > 0 && code[at - 1] == '.') continue;  // method of a previous expression
    if (python) {
      if (!name.starts_with("dbt.")) continue;
      name.erase(0, 4);
      if (name != "ref" && name != "source" && name != "config") continue;
    }
    if (c.peek() != '(') continue;
    if (filter_or_test(code, at)) continue;  // `x | join(',')`, `x is divisibleby(3)`: not calls
    c.eat('(');
    if (name == "ref" || name == "source" || name == "config") {
      CallArgs args = parse_args(c);
      int line = line_at(code, at);
      if (!args.all_literal) {
        out.dynamic = true;
        continue;
      }
      if (name == "ref") {
        std::vector<std::string> s;
        for (const auto& p : args.positional)
          if (p.is_string()) s.push_back(p.get<std::string>());
        if (s.size() == 1) {
          out.refs.push_back(RefCall{"", s[0], line});
        } else if (s.size() == 2) {
          out.refs.push_back(RefCall{s[0], s[1], line});
        } else {
          out.dynamic = true;
        }
      } else if (name == "source") {
        if (args.positional.size() == 2 && args.positional[0].is_string() && args.positional[1].is_string()) {
          out.sources.push_back(
              SourceCall{args.positional[0].get<std::string>(), args.positional[1].get<std::string>(), line});
        } else {
          out.dynamic = true;
        }
      } else {
        for (auto& [k, v] : args.kwargs.items()) out.config[k] = v;
      }
      continue;
    }
    if (!is_keyword(name)) out.calls.push_back(std::move(name));
  }
}

}  // namespace

int line_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

bool parse_literal(std::string_view text, nlohmann::json& out) {
  Cursor c(text);
  return c.literal(out) && c.done();
}

SqlScan scan_sql(std::string_view code) {
  SqlScan out;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = code.find('{', pos);
    if (open == std::string_view::npos || open + 1 >= code.size()) break;
    char kind = code[open + 1];
    if (kind != '{' && kind != '%' && kind != '#') {
      pos = open + 1;
      continue;
    }
    out.has_jinja = true;
    const char* closer = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
    std::size_t close = code.find(closer, open + 2);
    if (close == std::string_view::npos) close = code.size();
    if (kind != '#') scan_region(code, open + 2, close, out);
    pos = close + 2;
  }
  std::sort(out.calls.begin(), out.calls.end());
  out.calls.erase(std::unique(out.calls.begin(), out.calls.end()), out.calls.end());
  return out;
}

SqlScan scan_python(std::string_view code) {
  SqlScan out;
  scan_region(code, 0, code.size(), out, true);
  return out;
}

std::vector<JinjaBlock> find_blocks(std::string_view code, const std::string& file) {
  std::vector<JinjaBlock> out;
  std::size_t pos = 0;
  while ((pos = code.find("{%", pos)) != std::string_view::npos) {
    std::size_t close = code.find("%}", pos + 2);
    if (close == std::string_view::npos) break;
    Cursor c(code.substr(0, close), pos + 2);
    c.eat('-');
    std::string_view kind = c.ident();
    if (kind != "macro" && kind != "test" && kind != "snapshot" && kind != "docs" &&
        kind != "materialization") {
      pos = close + 2;
      continue;
    }
    JinjaBlock b;
    b.kind = kind;
    b.begin = pos;
    b.line = line_at(code, pos);
    b.name = std::string(c.ident());
    if (c.eat('(')) {
      while (!c.done() && !c.eat(')')) {
        std::string_view arg = c.ident();
        if (!arg.empty()) b.arguments.emplace_back(arg);
        if (c.eat('=')) c.skip_expression();
        if (!c.eat(',') && c.peek() != ')') break;
      }
    }
    b.body_begin = close + 2;
    // Find the matching end tag ("{% endmacro %}", "{%- endmacro -%}").
    std::string end_word = "end" + b.kind;
    std::size_t search = b.body_begin;
    bool found = false;
    while ((search = code.find("{%", search)) != std::string_view::npos) {
      std::size_t tag_close = code.find("%}", search + 2);
      if (tag_close == std::string_view::npos) break;
      Cursor t(code.substr(0, tag_close), search + 2);
      t.eat('-');
      if (t.ident() == end_word) {
        b.body_end = search;
        b.end = tag_close + 2;
        found = true;
        break;
      }
      search = tag_close + 2;
    }
    if (!found) {
      throw UserError(SourceLocation{file, b.line, 1}, "{% " + b.kind + " " + b.name + " %} is never closed",
                      "add {% " + end_word + " %} at the end of the block");
    }
    out.push_back(std::move(b));
    pos = out.back().end;
  }
  return out;
}

}  // namespace pond::project
