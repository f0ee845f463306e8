#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "materialize/session.hpp"
#include "materialize/spec.hpp"

namespace pond::materialize {
class Backend;
}

namespace pond::materialize {

enum class Severity { kError, kWarn };
enum class TestStatus { kPass, kWarn, kFail, kError };
const char* test_status_name(TestStatus s);  // pass, warn, fail, error (run_results spelling)

// A data test: a query returning the failing rows (generic tests are rendered by the builders
// below or by the compiler for custom generic tests; singular tests are the user's SQL) and
// dbt's test configs.
struct TestSpec {
  std::string unique_id;
  std::string name;  // the test's name: the table store_failures writes
  std::string sql;
  Severity severity = Severity::kError;
  std::string warn_if = "!= 0";
  std::string error_if = "!= 0";
  std::string fail_calc = "count(*)";
  std::optional<long> limit;
  bool store_failures = false;
  std::string store_failures_as = "table";  // table | view | ephemeral
  Relation audit_relation;                  // where failing rows are stored (schema <target>_dbt_test__audit)
};

struct TestResult {
  TestStatus status = TestStatus::kPass;
  std::int64_t failures = 0;
  std::string message;             // "Got 3 results, configured to fail if != 0"
  std::optional<Relation> stored;  // the relation holding the failing rows
};

// Runs the test as dbt's get_test_sql wraps it:
//   select <fail_calc> as failures, <fail_calc> <warn_if> as should_warn,
//          <fail_calc> <error_if> as should_error from (<sql> [limit n]) dbt_internal_test
// and decides pass/warn/fail from severity. A SQL error throws engine::EngineError.
// store_failures writes its table or view through `backend` (the target's lake when it has one).
TestResult run_data_test(Session& session, Backend& backend, const TestSpec& spec);

// Generic tests (dbt's default macros). `model` is a rendered relation; `where` (a test's
// `where` config) turns it into (select * from model where ...) dbt_subquery.
std::string apply_where(const std::string& model, const std::optional<std::string>& where);
std::string not_null_test_sql(const std::string& model, const std::string& column, bool select_all = false);
std::string unique_test_sql(const std::string& model, const std::string& column);
std::string accepted_values_test_sql(const std::string& model, const std::string& column,
                                     const std::vector<std::string>& values, bool quote = true);
std::string relationships_test_sql(const std::string& model, const std::string& column, const std::string& to,
                                   const std::string& field);

}  // namespace pond::materialize
