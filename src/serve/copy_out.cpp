#include "serve/copy_out.hpp"

#include <fmt/format.h>

#include <cctype>

#include "common/text.hpp"
#include "serve/sql_error.hpp"
#include "serve/sql_split.hpp"

namespace pond::serve {

namespace {

// The tokens of a COPY statement outside its parenthesised query.
struct Token {
  enum Kind { kWord, kQuotedIdent, kString, kSymbol, kEnd } kind = kEnd;
  std::string raw;    // as written (identifiers are spliced into the SELECT verbatim)
  std::string value;  // words upper-cased, strings unquoted
  std::size_t begin = 0, end = 0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  Token next() {
    skip_space();
    Token t;
    t.begin = i_;
    if (i_ >= sql_.size()) {
      t.end = i_;
      return t;
    }
    char c = sql_[i_];
    if (c == '\'' || ((c == 'E' || c == 'e') && i_ + 1 < sql_.size() && sql_[i_ + 1] == '\'')) {
      bool escapes = c != '\'';
      if (escapes) ++i_;
      std::size_t end = skip_literal_or_comment(sql_, i_);
      if (end > sql_.size()) throw SqlError("42601", "unterminated quoted string in COPY");
      t.kind = Token::kString;
      t.value = unquote(sql_.substr(i_ + 1, end - i_ - 2), '\'', escapes);
      i_ = end;
    } else if (c == '"') {
      std::size_t end = skip_literal_or_comment(sql_, i_);
      if (end > sql_.size()) throw SqlError("42601", "unterminated quoted identifier in COPY");
      t.kind = Token::kQuotedIdent;
      t.value = unquote(sql_.substr(i_ + 1, end - i_ - 2), '"', false);
      i_ = end;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      while (i_ < sql_.size() &&
             (std::isalnum(static_cast<unsigned char>(sql_[i_])) || sql_[i_] == '_' || sql_[i_] == '$'))
        ++i_;
      t.kind = Token::kWord;
      for (std::size_t j = t.begin; j < i_; ++j)
        t.value += static_cast<char>(std::toupper(static_cast<unsigned char>(sql_[j])));
    } else {
      t.kind = Token::kSymbol;
      t.value = std::string(1, c);
      ++i_;
    }
    t.end = i_;
    t.raw = std::string(sql_.substr(t.begin, t.end - t.begin));
    return t;
  }

  Token peek() {
    std::size_t saved = i_;
    Token t = next();
    i_ = saved;
    return t;
  }

  // After a '(' : the text up to its matching ')', which is consumed.
  std::string parenthesised() {
    std::size_t start = i_;
    int depth = 1;
    while (i_ < sql_.size()) {
      if (std::size_t skipped = skip_literal_or_comment(sql_, i_); skipped != std::string_view::npos) {
        i_ = skipped;
        continue;
      }
      char c = sql_[i_++];
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) return std::string(sql_.substr(start, i_ - 1 - start));
    }
    throw SqlError("42601", "syntax error in COPY: a '(' without its ')'");
  }

 private:
  void skip_space() {
    while (i_ < sql_.size()) {
      if (std::isspace(static_cast<unsigned char>(sql_[i_]))) {
        ++i_;
      } else if (sql_.substr(i_, 2) == "--" || sql_.substr(i_, 2) == "/*") {
        i_ = std::min(skip_literal_or_comment(sql_, i_), sql_.size());
      } else {
        break;
      }
    }
  }

  static std::string unquote(std::string_view body, char q, bool backslash_escapes) {
    std::string out;
    for (std::size_t j = 0; j < body.size(); ++j) {
      if (body[j] == q && j + 1 < body.size() && body[j + 1] == q) {
        out += q;
        ++j;
      } else if (backslash_escapes && body[j] == '\\' && j + 1 < body.size()) {
        char e = body[++j];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      } else {
        out += body[j];
      }
    }
    return out;
  }

  std::string_view sql_;
  std::size_t i_ = 0;
};

[[noreturn]] void syntax_error(const Token& t) {
  throw SqlError("42601", t.kind == Token::kEnd
                              ? "syntax error at end of input in COPY"
                              : fmt::format("syntax error at or near \"{}\" in COPY", t.raw));
}

// A one-byte option character (DELIMITER, QUOTE, ESCAPE), as PostgreSQL requires.
char single_char(const Token& t, const char* option) {
  if (t.kind != Token::kString) syntax_error(t);
  if (t.value.size() != 1)
    throw SqlError("0A000", fmt::format("COPY {} must be a single one-byte character", option));
  return t.value[0];
}

bool boolean_value(const Token& t) {
  std::string v = to_lower(t.value);
  if (v == "true" || v == "on" || v == "1") return true;
  if (v == "false" || v == "off" || v == "0") return false;
  if (v == "match") throw SqlError("0A000", "COPY HEADER MATCH is only for COPY FROM");
  throw SqlError("22023", fmt::format("header requires a Boolean value"));
}

struct Given {
  bool delimiter = false, null = false, quote = false, escape = false;
};

void check_encoding(const Token& t) {
  if (t.kind != Token::kString) syntax_error(t);
  std::string e = to_lower(t.value);
  if (e != "utf8" && e != "utf-8" && e != "unicode")
    throw SqlError("0A000", fmt::format("COPY ENCODING '{}': pond serve sends UTF8 only", t.value));
}

[[noreturn]] void refuse_binary() {
  throw SqlError("0A000", "COPY in binary format is not supported by pond serve: use FORMAT text or csv");
}

[[noreturn]] void refuse_force() {
  throw SqlError("0A000", "COPY FORCE_QUOTE/FORCE_NOT_NULL/FORCE_NULL are not supported by pond serve");
}

// `( name [value], ... )`, PostgreSQL 9.0+.
void option_list(Lexer& lex, CopyOptions& o, Given& given) {
  for (;;) {
    Token name = lex.next();
    if (name.kind != Token::kWord) syntax_error(name);
    Token value = lex.peek();
    bool has_value = !(value.kind == Token::kSymbol && (value.value == "," || value.value == ")"));
    if (has_value) lex.next();
    if (name.value == "FORMAT") {
      if (!has_value) syntax_error(value);
      std::string f = to_lower(value.value);
      if (f == "binary") refuse_binary();
      if (f != "text" && f != "csv")
        throw SqlError("22023", fmt::format("COPY format \"{}\" not recognized", f));
      o.csv = f == "csv";
    } else if (name.value == "HEADER") {
      o.header = has_value ? boolean_value(value) : true;
    } else if (name.value == "DELIMITER" && has_value) {
      o.delimiter = single_char(value, "delimiter");
      given.delimiter = true;
    } else if (name.value == "NULL" && has_value) {
      if (value.kind != Token::kString) syntax_error(value);
      o.null = value.value;
      given.null = true;
    } else if (name.value == "QUOTE" && has_value) {
      o.quote = single_char(value, "quote");
      given.quote = true;
    } else if (name.value == "ESCAPE" && has_value) {
      o.escape = single_char(value, "escape");
      given.escape = true;
    } else if (name.value == "ENCODING" && has_value) {
      check_encoding(value);
    } else if (name.value == "FORCE_QUOTE" || name.value == "FORCE_NOT_NULL" || name.value == "FORCE_NULL") {
      refuse_force();
    } else if (name.value == "FREEZE" || name.value == "DEFAULT") {
      throw SqlError("0A000", fmt::format("COPY {} is only for COPY FROM", name.value));
    } else {
      throw SqlError("42601", fmt::format("option \"{}\" not recognized", to_lower(name.value)));
    }
    Token sep = lex.next();
    if (sep.kind == Token::kSymbol && sep.value == ")") return;
    if (!(sep.kind == Token::kSymbol && sep.value == ",")) syntax_error(sep);
  }
}

// `BINARY`, `DELIMITER [AS] 'c'`, `NULL [AS] 'x'`, `CSV`, `HEADER`, `QUOTE [AS] 'q'`, ... (the
// pre-9.0 syntax psql's \copy and many scripts still write).
void old_options(Lexer& lex, CopyOptions& o, Given& given) {
  auto string_after = [&]() {
    Token t = lex.next();
    if (t.kind == Token::kWord && t.value == "AS") t = lex.next();
    return t;
  };
  for (Token t = lex.next(); t.kind != Token::kEnd; t = lex.next()) {
    if (t.kind != Token::kWord) syntax_error(t);
    if (t.value == "BINARY") {
      refuse_binary();
    } else if (t.value == "CSV") {
      o.csv = true;
    } else if (t.value == "HEADER") {
      o.header = true;
    } else if (t.value == "DELIMITER") {
      o.delimiter = single_char(string_after(), "delimiter");
      given.delimiter = true;
    } else if (t.value == "NULL") {
      Token v = string_after();
      if (v.kind != Token::kString) syntax_error(v);
      o.null = v.value;
      given.null = true;
    } else if (t.value == "QUOTE") {
      o.quote = single_char(string_after(), "quote");
      given.quote = true;
    } else if (t.value == "ESCAPE") {
      o.escape = single_char(string_after(), "escape");
      given.escape = true;
    } else if (t.value == "ENCODING") {
      check_encoding(lex.next());
    } else if (t.value == "FORCE") {
      refuse_force();
    } else {
      syntax_error(t);
    }
  }
}

void finish_options(CopyOptions& o, const Given& given) {
  if (!o.csv) {
    if (given.quote) throw SqlError("0A000", "COPY QUOTE requires CSV mode");
    if (given.escape) throw SqlError("0A000", "COPY ESCAPE requires CSV mode");
  } else {
    if (!given.delimiter) o.delimiter = ',';
    if (!given.null) o.null.clear();
    if (!given.escape) o.escape = o.quote;
    if (o.delimiter == o.quote) throw SqlError("22023", "COPY delimiter and quote must be different");
  }
  if (o.delimiter == '\n' || o.delimiter == '\r')
    throw SqlError("22023", "COPY delimiter cannot be newline or carriage return");
  if (o.null.find_first_of("\r\n") != std::string::npos)
    throw SqlError("22023", "COPY null representation cannot use newline or carriage return");
  if (!o.csv &&
      (o.delimiter == '\\' || std::isalnum(static_cast<unsigned char>(o.delimiter)) || o.delimiter == '.'))
    throw SqlError("22023", fmt::format("COPY delimiter cannot be \"{}\"", o.delimiter));
}

void append_text_field(std::string& out, const CopyOptions& o, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c == o.delimiter) out += '\\';
        out += c;
    }
  }
}

void append_csv_field(std::string& out, const CopyOptions& o, std::string_view v) {
  // As PostgreSQL: quoted when it holds the delimiter, the quote, a line break, equals the NULL
  // string (so '' and NULL differ), or is `\.` (the old end-of-data marker).
  bool quote = v == o.null || v == "\\." ||
               v.find_first_of(std::string{o.delimiter, o.quote, '\n', '\r'}) != std::string_view::npos;
  if (!quote) {
    out.append(v);
    return;
  }
  out += o.quote;
  for (char c : v) {
    if (c == o.quote || c == o.escape) out += o.escape;
    out += c;
  }
  out += o.quote;
}

}  // namespace

CopyToStdout parse_copy_to_stdout(std::string_view sql) {
  Lexer lex(sql);
  CopyToStdout copy;
  Token t = lex.next();
  if (t.kind != Token::kWord || t.value != "COPY") syntax_error(t);
  t = lex.next();
  if (t.kind == Token::kSymbol && t.value == "(") {
    copy.query = lex.parenthesised();
  } else if (t.kind == Token::kWord || t.kind == Token::kQuotedIdent) {
    std::string table = t.raw;
    for (Token dot = lex.peek(); dot.kind == Token::kSymbol && dot.value == "."; dot = lex.peek()) {
      lex.next();
      Token part = lex.next();
      if (part.kind != Token::kWord && part.kind != Token::kQuotedIdent) syntax_error(part);
      table += "." + part.raw;
    }
    std::string columns = "*";
    if (Token open = lex.peek(); open.kind == Token::kSymbol && open.value == "(") {
      lex.next();
      columns.clear();
      for (;;) {
        Token column = lex.next();
        if (column.kind != Token::kWord && column.kind != Token::kQuotedIdent) syntax_error(column);
        columns += (columns.empty() ? "" : ", ") + column.raw;
        Token sep = lex.next();
        if (sep.kind == Token::kSymbol && sep.value == ")") break;
        if (!(sep.kind == Token::kSymbol && sep.value == ",")) syntax_error(sep);
      }
    }
    // Identifier tokens only: the SELECT is built from names, never from other text.
    copy.query = "SELECT " + columns + " FROM " + table;
  } else {
    syntax_error(t);
  }
  t = lex.next();
  if (t.kind == Token::kWord && t.value == "FROM")
    throw SqlError("0A000", "COPY FROM is not supported: pond serve is read-only");
  if (t.kind != Token::kWord || t.value != "TO") syntax_error(t);
  t = lex.next();
  if (t.kind != Token::kWord || t.value != "STDOUT") {
    if (t.kind == Token::kString || (t.kind == Token::kWord && t.value == "PROGRAM"))
      throw SqlError("42501",
                     "pond serve does not run COPY to a file or program: use COPY ... TO STDOUT "
                     "(psql's \\copy, psycopg2's copy_expert), which writes on the client's side");
    syntax_error(t);
  }
  Given given;
  Token with = lex.peek();
  if (with.kind == Token::kWord && with.value == "WITH") {
    lex.next();
    with = lex.peek();
  }
  if (with.kind == Token::kSymbol && with.value == "(") {
    lex.next();
    option_list(lex, copy.options, given);
    if (Token rest = lex.next(); rest.kind != Token::kEnd) syntax_error(rest);
  } else {
    old_options(lex, copy.options, given);
  }
  finish_options(copy.options, given);
  return copy;
}

void append_copy_line(std::string& out, const CopyOptions& o,
                      const std::vector<std::optional<std::string>>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += o.delimiter;
    if (!values[i])
      out += o.null;
    else if (o.csv)
      append_csv_field(out, o, *values[i]);
    else
      append_text_field(out, o, *values[i]);
  }
  out += '\n';
}

}  // namespace pond::serve
