#pragma once
// Runs a dbt unit test: the model's SQL over fixture CTEs built from given rows, compared with
// the expected rows (docs/project.md, "Unit tests").
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "materialize/session.hpp"

namespace pond::materialize {

// Rows as the YAML gave them, each value already a SQL literal ('a', 1, true, null); or a query
// (format sql).
struct FixtureRows {
  std::vector<std::string> columns;                      // first-seen order
  std::vector<std::map<std::string, std::string>> rows;  // column -> literal; missing = null
  std::optional<std::string> sql;
};

// A given input: the CTE that replaces it, and the relation whose column types the rows take.
struct UnitTestFixture {
  std::string cte;
  std::string relation;  // rendered; "SELECT * FROM <relation>" must work
  std::string input;     // as written, for messages
  FixtureRows rows;
  bool is_this = false;  // `this` (the model's own relation) may not exist yet: values stay uncast
};

struct UnitTestSpec {
  std::string unique_id;
  std::string name;
  std::string model;  // the model's name, for messages
  std::vector<UnitTestFixture> given;
  FixtureRows expect;
  // The model's SQL with the fixture CTEs (name, SQL) prepended.
  std::function<std::string(const std::vector<std::pair<std::string, std::string>>&)> actual_sql;
};

struct UnitTestResult {
  bool passed = true;
  std::int64_t differences = 0;  // rows only in actual plus rows only in expected
  std::string message;           // the diff when it failed
  std::string sql;               // the model's SQL as run (fixtures included)
};

// A missing input relation, a column of `expect` the model does not return, or a SQL error in
// the model is an error (UserError / engine::EngineError), not a failure.
UnitTestResult run_unit_test(Session& session, const UnitTestSpec& spec);

// `select cast(<literal> as <type>) as "<column>", ...` rows joined by union all (a column
// without a type: no cast); columns the rows omit are null; no rows: a query of no rows with
// those columns.
std::string fixture_sql(const std::vector<Column>& columns, const FixtureRows& rows);

}  // namespace pond::materialize
