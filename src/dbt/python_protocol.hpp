#pragma once
// pond's side of the protocol between pond and a Python model's runtime (python_runtime.py):
// each request (one JSON object: describe, fetch, execute, result, error) is run on the model's
// session and answered with one JSON object. Bulk data travels as CSV files in the run's work
// folder; results the model keeps are temporary tables, dropped with this object.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "materialize/session.hpp"

namespace pond::dbt {

class PythonRequests {
 public:
  // `work`: the folder files are exchanged in (a path outside it is refused); `prefix`: the
  // names of the temporary tables.
  PythonRequests(materialize::Session& session, std::filesystem::path work, std::string prefix);
  ~PythonRequests();
  PythonRequests(const PythonRequests&) = delete;
  PythonRequests& operator=(const PythonRequests&) = delete;

  // Answers one request: {"ok": true, ...} or {"ok": false, "error": DuckDB's message}. A
  // malformed request is a UserError (the runtime and pond disagree); an interrupted query
  // rethrows its EngineError.
  nlohmann::json handle(const nlohmann::json& request);

  // After a "result" request: the SQL that selects the model's result on the session.
  const std::optional<std::string>& result_sql() const { return result_sql_; }
  // After an "error" request: the model's Python traceback.
  const std::optional<std::string>& traceback() const { return traceback_; }

 private:
  std::string new_table();
  std::string file_in_work(const nlohmann::json& request) const;
  std::string load_csv(const std::string& path, const nlohmann::json& columns);

  materialize::Session& session_;
  std::filesystem::path work_;
  std::string prefix_;
  std::vector<std::string> tables_;
  std::optional<std::string> result_sql_;
  std::optional<std::string> traceback_;
};

// Whether a statement returns rows (SELECT, WITH, FROM, VALUES, TABLE, PIVOT, DESCRIBE, ...),
// judged by its first word after comments, as DuckDB's Python API's sql() decides between a
// relation and running the statement.
bool is_query(std::string_view sql);

}  // namespace pond::dbt
