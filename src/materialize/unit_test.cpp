#include "materialize/unit_test.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "engine/error.hpp"

namespace pond::materialize {

namespace {

const Column* find_column(const std::vector<Column>& columns, const std::string& name) {
  for (const auto& c : columns)
    if (iequals(c.name, name)) return &c;
  return nullptr;
}

// The diff dbt prints for a failing unit test, as a table: '+' rows the model returned that
// were not expected, '-' expected rows it did not return.
std::string diff_table(const std::vector<std::string>& columns,
                       const std::vector<std::vector<std::optional<std::string>>>& diff) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header{""};
  for (const auto& c : columns) header.push_back(c);
  cells.push_back(header);
  for (const auto& row : diff) {
    std::vector<std::string> line;
    line.push_back(row[0].value_or("") == "actual" ? "+" : "-");
    for (std::size_t k = 1; k < row.size(); ++k) line.push_back(row[k] ? *row[k] : "null");
    cells.push_back(std::move(line));
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& line : cells)
    for (std::size_t k = 0; k < line.size(); ++k) width[k] = std::max(width[k], line[k].size());
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (std::size_t k = 0; k < line.size(); ++k) {
      text += (k ? " | " : "") + line[k];
      if (k + 1 < line.size()) text += std::string(width[k] - line[k].size(), ' ');
    }
    out += text + "\n";
  }
  return out;
}

}  // namespace

std::string fixture_sql(const std::vector<Column>& columns, const FixtureRows& rows) {
  if (rows.sql) return *rows.sql;
  auto select = [&](const std::map<std::string, std::string>* row) {
    std::string s = "select ";
    for (std::size_t k = 0; k < columns.size(); ++k) {
      std::string value = "null";
      if (row)
        for (const auto& [name, literal] : *row)
          if (iequals(name, columns[k].name)) value = literal;
      std::string typed = columns[k].type.empty() ? value : "cast(" + value + " as " + columns[k].type + ")";
      s += (k ? ", " : "") + typed + " as " + quote_identifier(columns[k].name);
    }
    return s;
  };
  if (rows.rows.empty()) return select(nullptr) + " where false";
  std::string out;
  for (const auto& row : rows.rows) out += (out.empty() ? "" : "\nunion all\n") + select(&row);
  return out;
}

UnitTestResult run_unit_test(Session& session, const UnitTestSpec& spec) {
  std::vector<std::pair<std::string, std::string>> ctes;
  for (const auto& g : spec.given) {
    std::vector<Column> columns;
    if (!g.rows.sql) {
      try {
        columns = session.columns_of_query("SELECT * FROM " + g.relation);
      } catch (const engine::EngineError& e) {
        if (g.is_this && !g.rows.columns.empty()) {
          for (const auto& c : g.rows.columns) columns.push_back({c, ""});
          ctes.emplace_back(g.cte, fixture_sql(columns, g.rows));
          continue;
        }
        throw UserError("unit test '" + spec.name + "': cannot get the columns of " + g.input + " (" +
                            g.relation + "): " + e.what(),
                        ExitCode::kStepFailed);
      }
      for (const auto& c : g.rows.columns)
        if (!find_column(columns, c))
          throw UserError("unit test '" + spec.name + "': " + g.input + " has no column '" + c + "'",
                          ExitCode::kStepFailed);
    }
    ctes.emplace_back(g.cte, fixture_sql(columns, g.rows));
  }
  UnitTestResult result;
  result.sql = spec.actual_sql(ctes);
  std::string actual = strip_statement(result.sql);
  std::vector<Column> actual_columns = session.columns_of_query(actual);
  // The columns compared: those the expected rows name (all of the model's for format sql).
  std::vector<Column> compared;
  if (spec.expect.sql) {
    compared = actual_columns;
  } else {
    for (const auto& c : spec.expect.columns) {
      const Column* col = find_column(actual_columns, c);
      if (!col)
        throw UserError("unit test '" + spec.name + "': expect names the column '" + c + "', which model '" +
                            spec.model + "' does not return",
                        ExitCode::kStepFailed);
      compared.push_back(*col);
    }
  }
  std::vector<std::string> names;
  for (const auto& c : compared) names.push_back(c.name);
  std::string cols = quoted_csv(names);
  std::string expected = fixture_sql(compared, spec.expect);
  if (names.empty()) {  // nothing to compare but the row count
    cols = "1 as \"row\"";
    names.push_back("row");
  }
  std::string as_text;  // the diff's values as text, whatever their types
  for (const auto& n : names) as_text += ", cast(" + quote_identifier(n) + " as varchar)";
  std::string sql = "with pond_actual as (\n" + actual + "\n), pond_expected as (\n" + expected +
                    "\n)\nselect 'actual' as pond_side" + as_text + " from (select " + cols +
                    " from pond_actual except all select " + cols +
                    " from pond_expected)\nunion all\nselect 'expected'" + as_text + " from (select " + cols +
                    " from pond_expected except all select " + cols + " from pond_actual)\norder by 1";
  auto diff = session.run(sql).rows_as_text();
  result.differences = static_cast<std::int64_t>(diff.size());
  result.passed = result.differences == 0;
  if (!result.passed) result.message = "actual differs from expected:\n\n" + diff_table(names, diff);
  return result;
}

}  // namespace pond::materialize
