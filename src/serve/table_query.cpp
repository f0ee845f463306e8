#include "serve/table_query.hpp"

#include <algorithm>
#include <charconv>

#include "common/text.hpp"
#include "http/server.hpp"

namespace pond::serve {

namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t comma = text.find(',', pos);
    out.push_back(text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (comma == std::string::npos) return out;
    pos = comma + 1;
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

const std::string& known_column(const std::vector<std::string>& columns, const std::string& name,
                                const std::string& where) {
  auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end())
    throw http::Error(400, where + ": no column '" + name + "' in this table",
                      "its columns are: " + join(columns));
  return *it;
}

std::uint64_t number(const std::string& name, const std::string& text) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    throw http::Error(400, "'" + name + "' must be a whole number, not '" + text + "'");
  return v;
}

}  // namespace

TableQuery build_table_query(const std::string& schema, const std::string& table,
                             const std::vector<std::string>& table_columns,
                             const std::multimap<std::string, std::string>& query) {
  TableQuery q;
  std::string select = "*";
  std::vector<std::string> where;
  std::string order;
  std::string limit;
  std::string offset;
  for (const auto& [key, value] : query) {
    if (key == "columns") {
      select.clear();
      for (const auto& c : split_commas(value))
        select += (select.empty() ? "" : ", ") + quote_identifier(known_column(table_columns, c, "columns"));
    } else if (key == "sort") {
      for (auto c : split_commas(value)) {
        bool descending = !c.empty() && c[0] == '-';
        if (descending || (!c.empty() && c[0] == '+')) c.erase(0, 1);
        order += (order.empty() ? "" : ", ") + quote_identifier(known_column(table_columns, c, "sort")) +
                 (descending ? " DESC" : " ASC");
      }
    } else if (key == "limit") {
      limit = std::to_string(number(key, value));
    } else if (key == "offset") {
      offset = std::to_string(number(key, value));
    } else if (key.rfind("filter[", 0) == 0) {
      std::size_t close = key.find(']');
      if (close == std::string::npos)
        throw http::Error(400, "filter parameter '" + key + "' has no closing ']'", "e.g. filter[id]gt=5");
      std::string column = quote_identifier(known_column(table_columns, key.substr(7, close - 7), key));
      std::string op = key.substr(close + 1);
      static const std::map<std::string, std::string> kOps = {{"", "="},    {"eq", "="},     {"ne", "<>"},
                                                              {"lt", "<"},  {"le", "<="},    {"gt", ">"},
                                                              {"ge", ">="}, {"like", "LIKE"}};
      if (op == "in") {
        std::string list;
        for (const auto& v : split_commas(value)) {
          list += list.empty() ? "?" : ", ?";
          q.parameters.push_back(v);
        }
        where.push_back(column + " IN (" + list + ")");
        continue;
      }
      auto it = kOps.find(op);
      if (it == kOps.end())
        throw http::Error(400, "unknown filter operator '" + op + "' in '" + key + "'",
                          "operators: eq, ne, lt, le, gt, ge, like, in (none: eq)");
      where.push_back(column + " " + it->second + " ?");
      q.parameters.push_back(value);
    } else {
      throw http::Error(400, "unknown query parameter '" + key + "'",
                        "parameters: columns, filter[COLUMN]OP, sort, limit, offset");
    }
  }
  q.sql = "SELECT " + select + " FROM " + quote_identifier(schema) + "." + quote_identifier(table);
  for (std::size_t i = 0; i < where.size(); ++i) q.sql += (i ? " AND " : " WHERE ") + where[i];
  if (!order.empty()) q.sql += " ORDER BY " + order;
  if (!limit.empty()) q.sql += " LIMIT " + limit;
  if (!offset.empty()) q.sql += " OFFSET " + offset;
  return q;
}

}  // namespace pond::serve
