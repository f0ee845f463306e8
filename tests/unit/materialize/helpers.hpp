#pragma once
#include <string>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "materialize/backend.hpp"
#include "materialize/spec.hpp"

namespace pond::materialize::testing {

// An in-memory database with one connection, and helpers to read results as text.
struct Db {
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con{db};

  // All rows, values joined by ',' and rows by ';' (NULL as "null").
  std::string rows(const std::string& sql) {
    std::string out;
    for (auto& row : con.query(sql).rows_as_text()) {
      if (!out.empty()) out += ";";
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i) out += ",";
        out += row[i] ? *row[i] : "null";
      }
    }
    return out;
  }
};

// The DuckDB backend the tests build into (stateless: one serves every test).
inline Backend& duckdb() {
  static DuckDbBackend backend;
  return backend;
}

inline ModelSpec model(const std::string& name, Materialized m, const std::string& sql) {
  ModelSpec s;
  s.unique_id = "model.test." + name;
  s.relation = Relation{"", "main", name};
  s.materialized = m;
  s.compiled_sql = sql;
  return s;
}

}  // namespace pond::materialize::testing
