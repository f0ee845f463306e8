#include "dbt/python_protocol.hpp"

#include <cctype>

#include "common/error.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"

namespace pond::dbt {

namespace mz = materialize;
using nlohmann::json;

namespace {

const std::string& text_field(const json& request, const char* key) {
  auto it = request.find(key);
  if (it == request.end() || !it->is_string())
    throw UserError("Python model protocol: request without a string '" + std::string(key) + "'",
                    ExitCode::kStepFailed);
  return it->get_ref<const std::string&>();
}

json columns_json(const std::vector<mz::Column>& columns) {
  json out = json::array();
  for (const auto& c : columns) out.push_back(json::array({c.name, c.type}));
  return out;
}

}  // namespace

bool is_query(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {  // skip blanks and comments
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return false;
    } else if (sql.substr(i, 2) == "/*") {
      i = sql.find("*/", i);
      if (i == std::string_view::npos) return false;
      i += 2;
    } else {
      break;
    }
  }
  if (i < sql.size() && sql[i] == '(') return true;
  std::size_t end = i;
  while (end < sql.size() && std::isalpha(static_cast<unsigned char>(sql[end]))) ++end;
  std::string word = to_lower(sql.substr(i, end - i));
  for (const char* q :
       {"select", "with", "from", "values", "table", "pivot", "unpivot", "describe", "show", "summarize"})
    if (word == q) return true;
  return false;
}

PythonRequests::PythonRequests(mz::Session& session, std::filesystem::path work, std::string prefix)
    : session_(session), work_(std::move(work)), prefix_(std::move(prefix)) {}

PythonRequests::~PythonRequests() {
  for (const auto& t : tables_) {
    try {
      session_.connection().execute("DROP TABLE IF EXISTS temp.main." + quote_identifier(t));
    } catch (const std::exception&) {  // the connection is gone or interrupted: the tables go with it
    }
  }
}

std::string PythonRequests::new_table() {
  tables_.push_back(prefix_ + std::to_string(tables_.size() + 1));
  return tables_.back();
}

std::string PythonRequests::file_in_work(const json& request) const {
  std::filesystem::path p = std::filesystem::path(text_field(request, "path")).lexically_normal();
  if (p.parent_path() != work_.lexically_normal())
    throw UserError(
        "Python model protocol: file '" + p.string() + "' is outside the work folder " + work_.string(),
        ExitCode::kStepFailed);
  return p.string();
}

std::string PythonRequests::load_csv(const std::string& path, const json& columns) {
  if (!columns.is_array() || columns.empty())
    throw UserError("Python model protocol: a result without columns", ExitCode::kStepFailed);
  std::string types;
  for (const auto& c : columns) {
    if (!c.is_array() || c.size() != 2 || !c[0].is_string() || !c[1].is_string())
      throw UserError("Python model protocol: a column is not [name, type]", ExitCode::kStepFailed);
    if (!types.empty()) types += ", ";
    types += quote_literal(c[0].get<std::string>()) + ": " + quote_literal(c[1].get<std::string>());
  }
  std::string table = new_table();
  session_.execute("CREATE TEMP TABLE " + quote_identifier(table) + " AS SELECT * FROM read_csv(" +
                   quote_literal(path) +
                   ", header = true, delim = ',', quote = '\"', escape = '\"', nullstr = '\\N', "
                   "auto_detect = false, columns = {" +
                   types + "})");
  return table;
}

json PythonRequests::handle(const json& request) {
  if (!request.is_object())
    throw UserError("Python model protocol: a request is not a JSON object", ExitCode::kStepFailed);
  const std::string& op = text_field(request, "op");
  try {
    if (op == "describe") {
      std::string sql = strip_statement(text_field(request, "sql"));
      return {{"ok", true}, {"columns", columns_json(session_.columns_of_query(sql))}};
    }
    if (op == "fetch") {
      std::string sql = strip_statement(text_field(request, "sql"));
      std::string path = file_in_work(request);
      std::vector<mz::Column> columns = session_.columns_of_query(sql);
      std::string select = "SELECT * FROM (" + sql + ") AS _pond";
      if (auto l = request.find("limit"); l != request.end() && l->is_number_integer())
        select += " LIMIT " + std::to_string(std::max<std::int64_t>(0, l->get<std::int64_t>()));
      session_.execute("COPY (" + select + ") TO " + quote_literal(path) +
                       " (FORMAT csv, HEADER true, NULLSTR '\\N')");
      return {{"ok", true}, {"columns", columns_json(columns)}};
    }
    if (op == "execute") {
      std::string sql = strip_statement(text_field(request, "sql"));
      bool query = request.value("query", false) || is_query(sql);
      if (!query) {
        session_.execute(sql);
        return {{"ok", true}};
      }
      std::string table = new_table();
      session_.execute("CREATE TEMP TABLE " + quote_identifier(table) + " AS " + sql);
      return {{"ok", true}, {"table", table}};
    }
    if (op == "result") {
      const std::string& kind = text_field(request, "kind");
      if (kind == "relation") {
        std::string sql = strip_statement(text_field(request, "sql"));
        session_.columns_of_query(sql);  // a broken relation fails here, while the model is still there
        result_sql_ = sql;
      } else if (kind == "csv") {
        result_sql_ =
            "SELECT * FROM " + quote_identifier(load_csv(file_in_work(request), request["columns"]));
      } else {
        throw UserError("Python model protocol: unknown result kind '" + kind + "'", ExitCode::kStepFailed);
      }
      return {{"ok", true}};
    }
    if (op == "error") {
      traceback_ = text_field(request, "traceback");
      return {{"ok", true}};
    }
  } catch (const engine::EngineError& e) {
    if (e.interrupted()) throw;
    return {{"ok", false}, {"error", e.what()}};
  }
  throw UserError("Python model protocol: unknown request '" + op + "'", ExitCode::kStepFailed);
}

}  // namespace pond::dbt
