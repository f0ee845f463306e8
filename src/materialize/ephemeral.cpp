#include "materialize/ephemeral.hpp"

#include <cctype>

#include "materialize/session.hpp"

namespace pond::materialize {

std::string ephemeral_cte_name(std::string_view model_name) {
  return "__dbt__cte__" + std::string(model_name);
}

namespace {

// Position just after leading whitespace and SQL comments.
std::size_t skip_space_and_comments(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      std::size_t nl = s.find('\n', i);
      i = nl == std::string_view::npos ? s.size() : nl + 1;
    } else if (s.compare(i, 2, "/*") == 0) {
      std::size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

bool starts_with_keyword(std::string_view s, std::size_t i, std::string_view kw) {
  if (i + kw.size() > s.size()) return false;
  for (std::size_t k = 0; k < kw.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(s[i + k])) != kw[k]) return false;
  }
  std::size_t after = i + kw.size();
  return after == s.size() || !(std::isalnum(static_cast<unsigned char>(s[after])) || s[after] == '_');
}

}  // namespace

std::string inject_ctes(std::string_view sql, const std::vector<EphemeralCte>& ctes) {
  if (ctes.empty()) return std::string(sql);
  std::string defs;
  for (const auto& c : ctes) {
    if (!defs.empty()) defs += ",\n";
    defs += ephemeral_cte_name(c.name) + " as (\n" + strip_statement(c.sql) + "\n)";
  }
  std::size_t i = skip_space_and_comments(sql, 0);
  if (starts_with_keyword(sql, i, "with")) {
    std::size_t after = i + 4;
    std::size_t j = skip_space_and_comments(sql, after);
    // WITH RECURSIVE must stay first: the CTEs go after the keyword.
    if (starts_with_keyword(sql, j, "recursive")) after = j + 9;
    return std::string(sql.substr(0, after)) + " " + defs + ",\n" + std::string(sql.substr(after));
  }
  return std::string(sql.substr(0, i)) + "with " + defs + "\n" + std::string(sql.substr(i));
}

}  // namespace pond::materialize
