#include "lake/view_sql.hpp"

#include <cctype>
#include <functional>

#include "common/error.hpp"
#include "lake/sql_text.hpp"

namespace pond::lake {

namespace {

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool ident_char(char c) {
  return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// The end of a quoted run starting at `i` (the quote), doubled quotes inside; `backslash`
// also skips backslash escapes (E'...' strings).
std::size_t skip_quoted(std::string_view s, std::size_t i, char q, bool backslash = false) {
  for (++i; i < s.size(); ++i) {
    if (backslash && s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == q) {
      if (i + 1 < s.size() && s[i + 1] == q) {
        ++i;
        continue;
      }
      return i + 1;
    }
  }
  return s.size();
}

// The end of a $tag$...$tag$ string starting at `i`, or npos when `i` starts none.
std::size_t skip_dollar(std::string_view s, std::size_t i) {
  std::size_t j = i + 1;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
  if (j >= s.size() || s[j] != '$') return std::string_view::npos;
  if (j > i + 1 && std::isdigit(static_cast<unsigned char>(s[i + 1]))) return std::string_view::npos;
  std::string_view tag = s.substr(i, j - i + 1);
  std::size_t end = s.find(tag, j + 1);
  return end == std::string_view::npos ? s.size() : end + tag.size();
}

// Whether `schema.` (an identifier, quoted or not, then a dot) starts at `i`: only the first
// part of a three-part name is a catalog (`shop.id` is a column of a table aliased shop).
bool followed_by_qualified_name(std::string_view s, std::size_t i) {
  if (i >= s.size()) return false;
  std::size_t end = i;
  if (s[i] == '"') {
    end = skip_quoted(s, i, '"');
  } else if (ident_start(s[i])) {
    while (end < s.size() && ident_char(s[end])) ++end;
  } else {
    return false;
  }
  return end < s.size() && s[end] == '.';
}

// Walks the SQL token by token and lets `qualifier` decide, for each identifier followed by
// a dot (not preceded by one), what to write instead of `identifier.`; other text is copied.
// `qualifier` gets the identifier's text (unquoted) and whether it was quoted, and returns
// false to keep it.
std::string rewrite_qualifiers(std::string_view sql,
                               const std::function<bool(std::string_view, bool, std::string&)>& qualifier) {
  std::string out;
  out.reserve(sql.size());
  std::size_t i = 0;
  char prev = 0;  // the last significant character copied
  auto copy = [&](std::size_t from, std::size_t to) {
    out.append(sql.substr(from, to - from));
    for (std::size_t k = to; k > from; --k)
      if (!std::isspace(static_cast<unsigned char>(sql[k - 1]))) {
        prev = sql[k - 1];
        break;
      }
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      std::size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      std::size_t end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
      out.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '\'') {
      bool escaped = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !ident_char(sql[i - 2]));
      std::size_t end = skip_quoted(sql, i, '\'', escaped);
      copy(i, end);
      i = end;
      continue;
    }
    if (c == '$') {
      std::size_t end = skip_dollar(sql, i);
      if (end != std::string_view::npos) {
        copy(i, end);
        i = end;
        continue;
      }
    }
    if (c == '{' && sql.substr(i).starts_with(kLakeCatalogPlaceholder)) {
      std::size_t end = i + kLakeCatalogPlaceholder.size();
      if (end < sql.size() && sql[end] == '.') {
        std::string replacement;
        if (qualifier(kLakeCatalogPlaceholder, false, replacement)) {
          out += replacement;
          prev = '.';
        } else {
          copy(i, end + 1);
        }
        i = end + 1;
        continue;
      }
    }
    bool quoted = c == '"';
    if (quoted || (ident_start(c) && (i == 0 || !ident_char(sql[i - 1])))) {
      std::size_t end = quoted ? skip_quoted(sql, i, '"') : i;
      if (!quoted)
        while (end < sql.size() && ident_char(sql[end])) ++end;
      std::string name;
      if (quoted) {
        for (std::size_t k = i + 1; k + 1 < end; ++k) {
          name += sql[k];
          if (sql[k] == '"') ++k;
        }
      } else {
        name = std::string(sql.substr(i, end - i));
      }
      std::string replacement;
      if (end < sql.size() && sql[end] == '.' && prev != '.' && followed_by_qualified_name(sql, end + 1) &&
          qualifier(name, quoted, replacement)) {
        out += replacement;
        prev = '.';
        i = end + 1;
        continue;
      }
      copy(i, end);
      i = end;
      continue;
    }
    copy(i, i + 1);
    ++i;
  }
  return out;
}

}  // namespace

std::string portable_view_sql(std::string_view sql, std::string_view catalog) {
  if (catalog.empty()) return std::string(sql);
  return rewrite_qualifiers(sql, [&](std::string_view name, bool quoted, std::string& out) {
    // DuckDB matches catalog names without regard to case, quoted or not.
    if (quoted && name == kLakeCatalogPlaceholder) return false;
    if (!iequals(name, catalog)) return false;
    out = std::string(kLakeCatalogPlaceholder) + ".";
    return true;
  });
}

std::string resolve_view_sql(std::string_view sql, std::string_view catalog) {
  if (sql.find(kLakeCatalogPlaceholder) == std::string_view::npos) return std::string(sql);
  return rewrite_qualifiers(sql, [&](std::string_view name, bool, std::string& out) {
    if (name != kLakeCatalogPlaceholder) return false;
    out = catalog.empty() ? std::string() : quote_identifier(catalog) + ".";
    return true;
  });
}

std::vector<std::string> parse_column_aliases(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '"')
      throw UserError("cannot read view column aliases '" + std::string(text) + "'",
                      "expected names in double quotes separated by commas");
    std::size_t end = skip_quoted(text, i, '"');
    std::string name;
    for (std::size_t k = i + 1; k + 1 < end; ++k) {
      name += text[k];
      if (text[k] == '"') ++k;
    }
    out.push_back(std::move(name));
    i = end;
    if (i < text.size()) {
      if (text[i] != ',')
        throw UserError("cannot read view column aliases '" + std::string(text) + "'",
                        "expected a comma after each name");
      ++i;
    }
  }
  return out;
}

std::string view_body(const View& view, std::string_view catalog) {
  if (view.dialect != "duckdb")
    return " AS SELECT error(" +
           quote_literal("lake view " + view.schema_name + "." + view.name + " is written in SQL dialect '" +
                         view.dialect + "'; pond runs only dialect 'duckdb'") +
           ")";
  std::string out;
  if (view.column_aliases && !view.column_aliases->empty()) {
    for (const auto& a : parse_column_aliases(*view.column_aliases))
      out += (out.empty() ? " (" : ", ") + quote_identifier(a);
    out += ")";
  }
  return out + " AS " + resolve_view_sql(view.sql, catalog);
}

}  // namespace pond::lake
