#include "materialize/data_test.hpp"

#include "materialize/build_internal.hpp"

namespace pond::materialize {

const char* test_status_name(TestStatus s) {
  switch (s) {
    case TestStatus::kPass:
      return "pass";
    case TestStatus::kWarn:
      return "warn";
    case TestStatus::kFail:
      return "fail";
    case TestStatus::kError:
      return "error";
  }
  return "error";
}

std::string apply_where(const std::string& model, const std::optional<std::string>& where) {
  if (!where || where->empty()) return model;
  return "(select * from " + model + " where " + *where + ") dbt_subquery";
}

std::string not_null_test_sql(const std::string& model, const std::string& column, bool select_all) {
  return "select " + (select_all ? std::string("*") : column) + "\nfrom " + model + "\nwhere " + column +
         " is null";
}

std::string unique_test_sql(const std::string& model, const std::string& column) {
  return "select\n    " + column + " as unique_field,\n    count(*) as n_records\nfrom " + model +
         "\nwhere " + column + " is not null\ngroup by " + column + "\nhaving count(*) > 1";
}

std::string accepted_values_test_sql(const std::string& model, const std::string& column,
                                     const std::vector<std::string>& values, bool quote) {
  std::string list;
  for (const auto& v : values) list += (list.empty() ? "" : ", ") + (quote ? quote_literal(v) : v);
  return "with all_values as (\n    select\n        " + column +
         " as value_field,\n        count(*) as n_records\n"
         "    from " +
         model + "\n    group by " + column +
         "\n)\nselect *\nfrom all_values\nwhere value_field not in (\n    " + list + "\n)";
}

std::string relationships_test_sql(const std::string& model, const std::string& column, const std::string& to,
                                   const std::string& field) {
  return "with child as (\n    select " + column + " as from_field\n    from " + model + "\n    where " +
         column + " is not null\n),\nparent as (\n    select " + field + " as to_field\n    from " + to +
         "\n)\nselect\n    from_field\nfrom child\nleft join parent\n    on child.from_field = "
         "parent.to_field\n"
         "where parent.to_field is null";
}

TestResult run_data_test(Session& session, const TestSpec& spec) {
  TestResult result;
  std::string main_sql = strip_statement(spec.sql);
  if (spec.store_failures && spec.store_failures_as != "ephemeral") {
    session.ensure_schema(spec.audit_relation);
    const std::string rel = spec.audit_relation.render();
    bool view = spec.store_failures_as == "view";
    Transaction tx(session);
    detail::drop_if_kind(session, spec.audit_relation, view ? RelationKind::kTable : RelationKind::kView);
    session.execute(std::string("CREATE OR REPLACE ") + (view ? "VIEW " : "TABLE ") + rel + " AS (\n" +
                    main_sql + "\n)");
    tx.commit();
    session.remember(spec.audit_relation, view ? RelationKind::kView : RelationKind::kTable);
    result.stored = spec.audit_relation;
    main_sql = "select * from " + rel;
  }
  std::string limit = spec.limit ? "\nlimit " + std::to_string(*spec.limit) : "";
  std::string sql = "select\n    " + spec.fail_calc + " as failures,\n    (" + spec.fail_calc + ") " +
                    spec.warn_if + " as should_warn,\n    (" + spec.fail_calc + ") " + spec.error_if +
                    " as should_error\nfrom (\n" + main_sql + limit + "\n) dbt_internal_test";
  auto rows = session.run(sql).rows_as_text();
  auto cell = [&](std::size_t c) -> std::string { return rows.empty() || !rows[0][c] ? "" : *rows[0][c]; };
  std::string failures = cell(0);
  try {
    result.failures = failures.empty() ? 0 : static_cast<std::int64_t>(std::stod(failures));
  } catch (const std::exception&) {
    result.failures = 0;
  }
  bool should_warn = cell(1) == "true";
  bool should_error = cell(2) == "true";
  if (spec.severity == Severity::kError && should_error) {
    result.status = TestStatus::kFail;
    result.message = "Got " + failures + " result" + (failures == "1" ? "" : "s") +
                     ", configured to fail if " + spec.error_if;
  } else if (should_warn) {
    result.status = TestStatus::kWarn;
    result.message = "Got " + failures + " result" + (failures == "1" ? "" : "s") +
                     ", configured to warn if " + spec.warn_if;
  }
  if (result.stored && result.status != TestStatus::kPass) {
    result.message += "\n  See test failures: select * from " + result.stored->render();
  }
  return result;
}

}  // namespace pond::materialize
