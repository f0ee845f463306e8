#include "lake/time_travel.hpp"

#include <cctype>

#include "common/error.hpp"
#include "lake/lake.hpp"

namespace pond::lake {

namespace {

// A tiny cursor over the arguments of one lake_scan(...) call.
struct Cursor {
  const std::string& s;
  std::size_t i;

  void skip_space() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool eat(std::string_view token) {
    skip_space();
    if (s.compare(i, token.size(), token) != 0) return false;
    i += token.size();
    return true;
  }
  std::string literal() {
    skip_space();
    if (i >= s.size() || s[i] != '\'')
      throw UserError("lake_scan(...) expects a quoted string here: " + s.substr(i, 30));
    std::string out;
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          out += '\'';
          ++i;
          continue;
        }
        ++i;
        return out;
      }
      out += s[i];
    }
    throw UserError("unterminated string in lake_scan(...)");
  }
  std::string word() {
    skip_space();
    std::string out;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) out += s[i++];
    return out;
  }
};

bool starts_call(const std::string& sql, std::size_t i) {
  static const std::string kName = "lake_scan";
  if (i + kName.size() > sql.size()) return false;
  for (std::size_t k = 0; k < kName.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(sql[i + k])) != kName[k]) return false;
  if (i > 0 &&
      (std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_' || sql[i - 1] == '.'))
    return false;
  std::size_t j = i + kName.size();
  while (j < sql.size() && std::isspace(static_cast<unsigned char>(sql[j]))) ++j;
  return j < sql.size() && sql[j] == '(';
}

}  // namespace

std::string expand_lake_scans(Lake& lake, const std::string& sql) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < sql.size();) {
    char c = sql[i];
    if (c == '\'') in_string = !in_string;
    if (in_string || !starts_call(sql, i)) {
      out += c;
      ++i;
      continue;
    }
    Cursor cur{sql, sql.find('(', i) + 1};
    std::string table = cur.literal();
    SnapshotRef ref;
    while (cur.eat(",")) {
      std::string key = cur.word();
      if (!cur.eat("=>") && !cur.eat(":=")) throw UserError("lake_scan(...): expected '=>' after " + key);
      if (key == "version" || key == "snapshot") {
        std::string digits = cur.word();
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
          throw UserError("lake_scan(...): version must be a snapshot id, got '" + digits + "'");
        ref.version = std::stoll(digits);
      } else if (key == "timestamp" || key == "at") {
        ref.timestamp = cur.literal();
      } else {
        throw UserError("lake_scan(...) has no argument '" + key + "'",
                        "use version => N or timestamp => '...'");
      }
    }
    if (!cur.eat(")")) throw UserError("lake_scan(...): expected ')'");
    out += "(" + lake.scan(table, ref).sql + ")";
    i = cur.i;
  }
  return out;
}

}  // namespace pond::lake
