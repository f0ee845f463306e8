#pragma once
// What PostgreSQL clients read from the catalog, on top of DuckDB's own pg_catalog emulation:
// a schema `pond_catalog` with the objects DuckDB lacks or spells differently (lake tables are
// views in DuckDB but tables to clients), and the rewrite of PostgreSQL-only syntax that
// clients' catalog queries use (OPERATOR(pg_catalog.~), COLLATE pg_catalog.default).
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/connection.hpp"

namespace pond::serve {

// Creates the pond_catalog schema and its objects (once, on the server's database) and
// rewrites clients' statements to use them.
class CatalogCompat {
 public:
  explicit CatalogCompat(engine::Connection& con);
  // The statement with catalog syntax DuckDB does not parse rewritten; other SQL is returned as is.
  std::string rewrite(std::string_view sql) const;

 private:
  std::set<std::string> duckdb_pg_functions_;  // functions DuckDB's own pg_catalog schema has
};

// Records which relations are lake tables (for relkind 'r'); runs inside the refresh transaction.
void record_lake_tables(engine::Connection& con,
                        const std::vector<std::pair<std::string, std::string>>& tables);

}  // namespace pond::serve
