#include "jinja/lexer.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "jinja/error.hpp"
#include "jinja/ops.hpp"

namespace pond::jinja {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python's unicode-escape decoding of a string literal body.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 >= s.size()) {
      out += c;
      continue;
    }
    char e = s[++i];
    switch (e) {
      case '\n':
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'u':
      case 'U': {
        std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        std::uint32_t cp = 0;
        bool ok = i + n < s.size();
        for (std::size_t k = 1; ok && k <= n; ++k) {
          int h = hex_value(s[i + k]);
          if (h < 0) ok = false;
          cp = cp * 16 + static_cast<std::uint32_t>(h);
        }
        if (!ok || cp > 0x10FFFF) throw TemplateError(ErrorKind::kSyntax, "invalid escape in string literal");
        append_utf8(out, cp);
        i += n;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          std::uint32_t cp = 0;
          std::size_t k = 0;
          while (k < 3 && i + k < s.size() && s[i + k] >= '0' && s[i + k] <= '7') {
            cp = cp * 8 + static_cast<std::uint32_t>(s[i + k] - '0');
            ++k;
          }
          append_utf8(out, cp);
          i += k - 1;
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view src, const std::string& name) : src_(src), name_(name) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      std::size_t tag = find_tag(pos_);
      std::size_t data_end = tag == std::string_view::npos ? src_.size() : tag;
      std::string_view data = src_.substr(pos_, data_end - pos_);
      if (tag != std::string_view::npos) {
        char m = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
        if (m == '-') {
          while (!data.empty() && is_space(data.back())) data.remove_suffix(1);
        }
      }
      if (strip_next_) {
        std::size_t k = 0;
        while (k < data.size() && is_space(data[k])) ++k;
        advance_to(pos_ + k);
        data.remove_prefix(k);
        strip_next_ = false;
      }
      if (!data.empty()) push_data(data);
      advance_to(data_end);
      if (tag == std::string_view::npos) break;
      char kind = src_[tag + 1];
      if (kind == '#') {
        comment();
      } else if (kind == '%' && try_raw()) {
        continue;
      } else {
        lex_tag(kind == '{' ? Tok::kVarBegin : Tok::kBlockBegin);
      }
    }
    Token eof{Tok::kEof, {}, {}, 0, 0, line_, col_};
    toks_.push_back(std::move(eof));
    return std::move(toks_);
  }

 private:
  [[noreturn]] void fail(const std::string& msg) {
    throw TemplateError(ErrorKind::kSyntax, msg, name_, line_, col_);
  }

  std::size_t find_tag(std::size_t from) const {
    for (std::size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return std::string_view::npos;
  }

  void advance_to(std::size_t p) {
    for (; pos_ < p; ++pos_) {
      if (src_[pos_] == '\n') {
        ++line_;
        col_ = 1;
      } else {
        ++col_;
      }
    }
  }

  void push_data(std::string_view d) {
    Token t{Tok::kData, d, {}, 0, 0, line_, col_};
    toks_.push_back(std::move(t));
  }

  void push(Tok type, std::string_view text) {
    Token t{type, text, {}, 0, 0, line_, col_};
    toks_.push_back(std::move(t));
  }

  void comment() {
    std::size_t end = src_.find("#}", pos_ + 2);
    if (end == std::string_view::npos) fail("Missing end of comment tag");
    if (end > pos_ + 2 && src_[end - 1] == '-') strip_next_ = true;
    advance_to(end + 2);
  }

  static std::size_t skip_ws(std::string_view s, std::size_t p) {
    while (p < s.size() && is_space(s[p])) ++p;
    return p;
  }

  // {% raw %} ... {% endraw %}: emitted as one data token.
  bool try_raw() {
    std::size_t p = pos_ + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    p = skip_ws(src_, p);
    if (src_.compare(p, 3, "raw") != 0) return false;
    p = skip_ws(src_, p + 3);
    bool strip_after = false;
    if (src_.compare(p, 3, "-%}") == 0) {
      strip_after = true;
      p += 3;
    } else if (src_.compare(p, 2, "%}") == 0) {
      p += 2;
    } else {
      return false;
    }
    if (strip_after) p = skip_ws(src_, p);
    // find {%[-+]? endraw [-+]?%}
    std::size_t search = p;
    while (true) {
      std::size_t b = src_.find("{%", search);
      if (b == std::string_view::npos) {
        advance_to(pos_);
        fail("Missing end of raw directive");
      }
      std::size_t q = b + 2;
      bool strip_before = false;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) {
        strip_before = src_[q] == '-';
        ++q;
      }
      q = skip_ws(src_, q);
      if (src_.compare(q, 6, "endraw") != 0) {
        search = b + 2;
        continue;
      }
      q = skip_ws(src_, q + 6);
      bool strip = false;
      if (src_.compare(q, 3, "-%}") == 0) {
        strip = true;
        q += 3;
      } else if (src_.compare(q, 3, "+%}") == 0) {
        q += 3;
      } else if (src_.compare(q, 2, "%}") == 0) {
        q += 2;
      } else {
        search = b + 2;
        continue;
      }
      std::string_view body = src_.substr(p, b - p);
      if (strip_before)
        while (!body.empty() && is_space(body.back())) body.remove_suffix(1);
      advance_to(p);
      if (!body.empty()) push_data(body);
      advance_to(q);
      strip_next_ = strip;
      return true;
    }
  }

  void lex_tag(Tok begin) {
    bool var = begin == Tok::kVarBegin;
    push(begin, src_.substr(pos_, 2));
    std::size_t p = pos_ + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    advance_to(p);
    int depth = 0;
    while (true) {
      advance_to(skip_ws(src_, pos_));
      if (pos_ >= src_.size())
        fail(var ? "unexpected end of template, expected 'end of print statement'."
                 : "unexpected end of template, expected 'end of statement block'.");
      std::string_view rest = src_.substr(pos_);
      if (depth == 0) {
        std::string_view close = var ? "}}" : "%}";
        if (rest.substr(0, 2) == close) {
          push(var ? Tok::kVarEnd : Tok::kBlockEnd, rest.substr(0, 2));
          advance_to(pos_ + 2);
          return;
        }
        if ((rest[0] == '-' || (!var && rest[0] == '+')) && rest.substr(1, 2) == close) {
          push(var ? Tok::kVarEnd : Tok::kBlockEnd, rest.substr(0, 3));
          advance_to(pos_ + 3);
          if (rest[0] == '-') strip_next_ = true;
          return;
        }
      }
      char c = rest[0];
      if (is_name_start(c)) {
        std::size_t n = 1;
        while (n < rest.size() && is_name_char(rest[n])) ++n;
        push(Tok::kName, rest.substr(0, n));
        advance_to(pos_ + n);
      } else if (is_digit(c)) {
        number(rest);
      } else if (c == '\'' || c == '"') {
        string_lit(rest);
      } else {
        static const char* const two[] = {"//", "**", "==", "!=", "<=", ">="};
        std::size_t n = 0;
        for (const char* op : two)
          if (rest.size() >= 2 && rest[0] == op[0] && rest[1] == op[1]) n = 2;
        if (n == 0 && std::strchr("+-*/%~()[]{}<>=.:|,;", c) != nullptr && c != '\0') n = 1;
        if (n == 0) fail(std::string("unexpected char '") + c + "' at " + std::to_string(pos_));
        if (c == '(' || c == '[' || c == '{') ++depth;
        if ((c == ')' || c == ']' || c == '}') && n == 1) {
          if (depth == 0) fail(std::string("unexpected '") + c + "'");
          --depth;
        }
        push(Tok::kOp, rest.substr(0, n));
        advance_to(pos_ + n);
      }
    }
  }

  void number(std::string_view rest) {
    std::size_t n = 0;
    auto digits = [&](auto pred) {
      while (n < rest.size() &&
             (pred(rest[n]) || (rest[n] == '_' && n + 1 < rest.size() && pred(rest[n + 1]))))
        ++n;
    };
    auto dec = [](char ch) { return is_digit(ch); };
    if (rest[0] == '0' && rest.size() > 2 && std::strchr("xXoObB", rest[1]) && rest[1] != '\0') {
      int base = (rest[1] == 'x' || rest[1] == 'X') ? 16 : (rest[1] == 'o' || rest[1] == 'O') ? 8 : 2;
      n = 2;
      if (rest[n] == '_') ++n;
      digits([&](char ch) { return hex_value(ch) >= 0 && hex_value(ch) < base; });
      std::int64_t v = 0;
      double dv = 0;
      bool overflow = false;
      for (std::size_t k = 2; k < n; ++k) {
        if (rest[k] == '_') continue;
        dv = dv * base + hex_value(rest[k]);
        overflow = overflow || __builtin_mul_overflow(v, base, &v) ||
                   __builtin_add_overflow(v, hex_value(rest[k]), &v);
      }
      // pond's ints are 64-bit; bigger literals become floats
      Token t{overflow ? Tok::kFloat : Tok::kInt, rest.substr(0, n), {}, v, dv, line_, col_};
      toks_.push_back(std::move(t));
      advance_to(pos_ + n);
      return;
    }
    digits(dec);
    bool is_float = false;
    if (n + 1 < rest.size() && rest[n] == '.' && is_digit(rest[n + 1])) {
      is_float = true;
      ++n;
      digits(dec);
    }
    if (n < rest.size() && (rest[n] == 'e' || rest[n] == 'E')) {
      std::size_t m = n + 1;
      if (m < rest.size() && (rest[m] == '+' || rest[m] == '-')) ++m;
      if (m < rest.size() && is_digit(rest[m])) {
        is_float = true;
        n = m;
        digits(dec);
      }
    }
    std::string clean;
    for (std::size_t k = 0; k < n; ++k)
      if (rest[k] != '_') clean += rest[k];
    Token t{is_float ? Tok::kFloat : Tok::kInt, rest.substr(0, n), {}, 0, 0, line_, col_};
    if (is_float) {
      t.fval = std::strtod(clean.c_str(), nullptr);
    } else {
      errno = 0;
      t.ival = std::strtoll(clean.c_str(), nullptr, 10);
      if (errno == ERANGE) {
        t.type = Tok::kFloat;  // pond's ints are 64-bit; bigger literals become floats
        t.fval = std::strtod(clean.c_str(), nullptr);
      }
    }
    toks_.push_back(std::move(t));
    advance_to(pos_ + n);
  }

  void string_lit(std::string_view rest) {
    char q = rest[0];
    std::size_t n = 1;
    while (n < rest.size() && rest[n] != q) {
      if (rest[n] == '\\') ++n;
      ++n;
    }
    if (n >= rest.size()) fail("unexpected char " + std::string(1, q) + " at " + std::to_string(pos_));
    Token t{Tok::kString, rest.substr(0, n + 1), {}, 0, 0, line_, col_};
    try {
      t.value = unescape(rest.substr(1, n - 1));
    } catch (const TemplateError& e) {
      fail(e.message());
    }
    toks_.push_back(std::move(t));
    advance_to(pos_ + n + 1);
  }

  std::string_view src_;
  const std::string& name_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
  bool strip_next_ = false;
  std::vector<Token> toks_;
};

}  // namespace

std::string normalize_source(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out += '\n';
    } else if (c == '\v' || c == '\f' || u == 0x1c || u == 0x1d || u == 0x1e) {
      out += '\n';
    } else if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      out += '\n';
      ++i;
    } else if (u == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += '\n';
      i += 2;
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<Token> tokenize(std::string_view source, const std::string& name) {
  return Lexer(source, name).run();
}

std::string describe_token(const Token& t) {
  switch (t.type) {
    case Tok::kVarEnd:
      return "end of print statement";
    case Tok::kBlockEnd:
      return "end of statement block";
    case Tok::kEof:
      return "end of template";
    case Tok::kVarBegin:
      return "begin of print statement";
    case Tok::kBlockBegin:
      return "begin of statement block";
    case Tok::kData:
      return "template data / text";
    case Tok::kString:
      return "string";
    case Tok::kInt:
      return "integer";
    case Tok::kFloat:
      return "float";
    default:
      return std::string(t.text);
  }
}

}  // namespace pond::jinja
