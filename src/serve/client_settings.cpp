#include "serve/client_settings.hpp"

#include <map>
#include <regex>

#include "common/text.hpp"
#include "serve/sql_error.hpp"

namespace pond::serve {

namespace {

struct Setting {
  const char* name;          // as PostgreSQL reports it in SHOW's column
  const char* initial;       // the value a session starts with (the ParameterStatus sent at login)
  const char* must_contain;  // a value pond can honour contains this (case-insensitive); "" = any
  bool read_only = false;    // reported by the server, never set by a client
};

// Lower-cased names. The output conventions are fixed: dates in ISO, UTF8, intervals as
// PostgreSQL prints them, floats in their shortest exact form (what extra_float_digits >= 1 asks).
const std::map<std::string, Setting>& settings() {
  static const std::map<std::string, Setting> s = {
      {"extra_float_digits", {"extra_float_digits", "1", ""}},
      {"datestyle", {"DateStyle", "ISO, MDY", "iso"}},
      {"intervalstyle", {"IntervalStyle", "postgres", "postgres"}},
      {"client_encoding", {"client_encoding", "UTF8", "utf"}},
      {"application_name", {"application_name", "", ""}},
      {"client_min_messages", {"client_min_messages", "notice", ""}},
      {"statement_timeout", {"statement_timeout", "0", ""}},
      {"standard_conforming_strings", {"standard_conforming_strings", "on", "on"}},
      {"transaction_isolation", {"transaction_isolation", "repeatable read", "repeatable read"}},
      {"server_version", {"server_version", "15.0", "15.0", true}},
      {"server_version_num", {"server_version_num", "150000", "150000", true}},
      {"server_encoding", {"server_encoding", "UTF8", "utf", true}},
      {"integer_datetimes", {"integer_datetimes", "on", "on", true}},
  };
  return s;
}

std::string variable(const std::string& lowered) {
  return "pond_pg_" + lowered;
}

std::string unquote(std::string v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    v = v.substr(1, v.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      out += v[i];
      if (v[i] == '\'' && i + 1 < v.size() && v[i + 1] == '\'') ++i;
    }
    return out;
  }
  return v;
}

}  // namespace

std::optional<ClientSettingStatement> client_setting_statement(std::string_view sql) {
  static const std::regex set(
      R"(^\s*SET\s+(?:SESSION\s+)?([A-Za-z_]+)(?:\s*=\s*|\s+TO\s+)('(?:[^']|'')*'|[-+]?[A-Za-z0-9_.]+)\s*;?\s*$)",
      std::regex::icase);
  static const std::regex reset(R"(^\s*RESET\s+([A-Za-z_]+)\s*;?\s*$)", std::regex::icase);
  static const std::regex show(R"(^\s*SHOW\s+([A-Za-z_]+)\s*;?\s*$)", std::regex::icase);
  std::cmatch m;
  const char* b = sql.data();
  const char* e = sql.data() + sql.size();
  if (std::regex_match(b, e, m, show)) {
    std::string name = to_lower(m[1].str());
    if (name == "timezone")  // DuckDB has the setting but reads SHOW x as DESCRIBE x
      return ClientSettingStatement{"SELECT current_setting('TimeZone') AS \"TimeZone\"", "SHOW"};
    auto it = settings().find(name);
    if (it == settings().end()) return std::nullopt;
    return ClientSettingStatement{"SELECT coalesce(getvariable(" + quote_literal(variable(name)) + "), " +
                                      quote_literal(it->second.initial) + ")::VARCHAR AS \"" +
                                      it->second.name + "\"",
                                  "SHOW"};
  }
  if (std::regex_match(b, e, m, reset)) {
    std::string name = to_lower(m[1].str());
    auto it = settings().find(name);
    if (it == settings().end()) return std::nullopt;
    if (it->second.read_only)
      throw SqlError("55P02", "parameter \"" + std::string(it->second.name) + "\" cannot be changed");
    return ClientSettingStatement{"RESET VARIABLE " + variable(name), "RESET"};
  }
  if (!std::regex_match(b, e, m, set)) return std::nullopt;
  std::string name = to_lower(m[1].str());
  auto it = settings().find(name);
  if (it == settings().end()) return std::nullopt;
  if (it->second.read_only)
    throw SqlError("55P02", "parameter \"" + std::string(it->second.name) + "\" cannot be changed");
  std::string value = unquote(m[2].str());
  std::string must = it->second.must_contain;
  if (!must.empty() && to_lower(value).find(must) == std::string::npos)
    throw SqlError("22023", "pond serve supports " + std::string(it->second.name) + " = '" +
                                it->second.initial + "' only, not '" + value + "'");
  return ClientSettingStatement{"SET VARIABLE " + variable(name) + " = " + quote_literal(value), "SET"};
}

}  // namespace pond::serve
