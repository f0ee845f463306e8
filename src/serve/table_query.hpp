#pragma once
// GET /api/tables/{t} of the HTTP table API (ROAPI's query string) as one SELECT: columns and
// sort keys are checked against the table's columns and quoted as identifiers, filter values are
// bound as parameters, limit and offset are parsed numbers -- nothing from the request is
// spliced into the SQL as written.
//   columns=a,b  filter[col]op=v (op: eq ne lt le gt ge like in; none = eq; in: v1,v2,...)
//   sort=a,-b    limit=N  offset=N
#include <map>
#include <string>
#include <vector>

namespace pond::serve {

struct TableQuery {
  std::string sql;
  std::vector<std::string> parameters;  // bound in order as text; DuckDB casts to the column's type
};

// Throws http::Error 400 for an unknown column, operator or query parameter, or a bad number.
TableQuery build_table_query(const std::string& schema, const std::string& table,
                             const std::vector<std::string>& table_columns,
                             const std::multimap<std::string, std::string>& query);

}  // namespace pond::serve
