#include "serve/sql_split.hpp"

#include <cctype>

namespace pond::serve {

namespace {

bool only_comments_and_space(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.substr(i, 2) == "--") {
      std::size_t nl = s.find('\n', i);
      i = nl == std::string_view::npos ? s.size() : nl + 1;
    } else if (s.substr(i, 2) == "/*") {
      std::size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else {
      return false;
    }
  }
  return true;
}

std::string trimmed(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Skips a dollar-quoted string starting at `i` ('$'); returns the index after it, or npos
// when `i` does not start a dollar quote.
std::size_t skip_dollar_quote(std::string_view s, std::size_t i) {
  std::size_t j = i + 1;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
  if (j >= s.size() || s[j] != '$') return std::string_view::npos;
  if (j > i + 1 && std::isdigit(static_cast<unsigned char>(s[i + 1]))) return std::string_view::npos;  // $1
  std::string_view tag = s.substr(i, j - i + 1);
  std::size_t end = s.find(tag, j + 1);
  return end == std::string_view::npos ? s.size() : end + tag.size();
}

// The index after the quoted string ('...', "...", E'...') or comment (--, /* */) that starts
// at `i`, or npos when none starts there.
std::size_t skip_quoted_or_comment(std::string_view sql, std::size_t i) {
  const char c = sql[i];
  if (c == '\'' || c == '"') {
    std::size_t j = i + 1;
    bool backslash = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
    while (j < sql.size()) {
      if (backslash && sql[j] == '\\') {
        j += 2;
        continue;
      }
      if (sql[j] == c) {
        if (j + 1 < sql.size() && sql[j + 1] == c) {
          j += 2;
          continue;
        }
        break;
      }
      ++j;
    }
    return j + 1;
  }
  if (sql.substr(i, 2) == "--") {
    std::size_t nl = sql.find('\n', i);
    return nl == std::string_view::npos ? sql.size() : nl + 1;
  }
  if (sql.substr(i, 2) == "/*") {
    std::size_t end = sql.find("*/", i + 2);
    return end == std::string_view::npos ? sql.size() : end + 2;
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t skip_literal_or_comment(std::string_view sql, std::size_t i) {
  if (std::size_t skipped = skip_quoted_or_comment(sql, i); skipped != std::string_view::npos) return skipped;
  if (sql[i] == '$') return skip_dollar_quote(sql, i);
  return std::string_view::npos;
}

bool balanced_parentheses(std::string_view sql) {
  int depth = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::size_t skipped = skip_literal_or_comment(sql, i); skipped != std::string_view::npos) {
      if (skipped > sql.size()) return false;  // an open quote
      if (sql[i] == '$') {                     // an open dollar quote runs to the end
        std::string_view tag = sql.substr(i, sql.find('$', i + 1) - i + 1);
        if (sql.find(tag, i + tag.size()) == std::string_view::npos) return false;
      }
      if (sql.substr(i, 2) == "/*" && (skipped < i + 4 || sql.substr(skipped - 2, 2) != "*/")) return false;
      i = skipped;
      continue;
    }
    if (sql[i] == '(') ++depth;
    if (sql[i] == ')' && --depth < 0) return false;
    ++i;
  }
  return depth == 0;
}

std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> out;
  std::size_t start = 0, i = 0;
  auto emit = [&](std::size_t end) {
    std::string_view piece = sql.substr(start, end - start);
    if (!only_comments_and_space(piece)) out.push_back(trimmed(piece));
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (std::size_t skipped = skip_quoted_or_comment(sql, i); skipped != std::string_view::npos) {
      i = skipped;
    } else if (c == '$') {
      std::size_t after = skip_dollar_quote(sql, i);
      i = after == std::string_view::npos ? i + 1 : after;
    } else if (c == ';') {
      emit(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  if (start < sql.size()) emit(sql.size());
  return out;
}

std::string leading_keywords(std::string_view sql, int n) {
  std::string out;
  std::size_t i = 0;
  for (int k = 0; k < n; ++k) {
    while (i < sql.size()) {
      if (std::isspace(static_cast<unsigned char>(sql[i]))) {
        ++i;
      } else if (sql.substr(i, 2) == "--") {
        std::size_t nl = sql.find('\n', i);
        i = nl == std::string_view::npos ? sql.size() : nl + 1;
      } else if (sql.substr(i, 2) == "/*") {
        std::size_t end = sql.find("*/", i + 2);
        i = end == std::string_view::npos ? sql.size() : end + 2;
      } else {
        break;
      }
    }
    std::size_t b = i;
    while (i < sql.size() && (std::isalpha(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
    if (i == b) break;
    if (!out.empty()) out += ' ';
    for (std::size_t j = b; j < i; ++j)
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[j])));
  }
  return out;
}

}  // namespace pond::serve

namespace pond::serve {

std::string cast_parameters(std::string_view sql, const std::vector<std::string>& types) {
  std::string out;
  std::size_t i = 0, copied = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::size_t skipped = skip_quoted_or_comment(sql, i); skipped != std::string_view::npos) {
      i = skipped;
    } else if (c == '$') {
      std::size_t j = i + 1;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
      bool word_before = i > 0 && (std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_');
      if (j > i + 1 && j - i <= 6 && !word_before) {
        std::size_t n = std::stoul(std::string(sql.substr(i + 1, j - i - 1)));
        if (n >= 1 && n <= types.size() && !types[n - 1].empty()) {
          out.append(sql.substr(copied, i - copied));
          out += "CAST(" + std::string(sql.substr(i, j - i)) + " AS " + types[n - 1] + ")";
          copied = j;
        }
        i = j;
      } else {
        std::size_t end = skip_dollar_quote(sql, i);
        i = end == std::string_view::npos ? i + 1 : end;
      }
    } else {
      ++i;
    }
  }
  out.append(sql.substr(copied));
  return out;
}

}  // namespace pond::serve
