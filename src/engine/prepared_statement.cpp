#include "engine/prepared_statement.hpp"

#include <duckdb.h>
#include <fmt/format.h>

#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "engine/result_internal.hpp"

namespace pond::engine {

void PreparedStatement::Destroyer::operator()(_duckdb_prepared_statement* stmt) const {
  duckdb_prepared_statement handle = stmt;
  duckdb_destroy_prepare(&handle);
}

PreparedStatement::PreparedStatement(Connection& con, std::string_view sql) {
  std::string text(sql);
  duckdb_prepared_statement stmt = nullptr;
  duckdb_state state = duckdb_prepare(con.handle(), text.c_str(), &stmt);
  stmt_.reset(stmt);  // destroyed even on failure, as the C API requires
  if (state == DuckDBError) {
    const char* message = duckdb_prepare_error(stmt);
    throw EngineError(message ? message : "could not prepare statement");
  }
}

PreparedStatement::~PreparedStatement() = default;

std::size_t PreparedStatement::parameter_count() const {
  return duckdb_nparams(stmt_.get());
}
std::size_t PreparedStatement::column_count() const {
  return duckdb_prepared_statement_column_count(stmt_.get());
}
std::string PreparedStatement::column_name(std::size_t col) const {
  const char* name = duckdb_prepared_statement_column_name(stmt_.get(), col);
  std::string out = name ? name : "";
  if (name) duckdb_free(const_cast<char*>(name));
  return out;
}
ColumnType PreparedStatement::column_type(std::size_t col) const {
  duckdb_logical_type t = duckdb_prepared_statement_column_logical_type(stmt_.get(), col);
  ColumnType out = detail::describe_type(t);
  duckdb_destroy_logical_type(&t);
  return out;
}
bool PreparedStatement::returns_rows() const {
  duckdb_statement_type t = duckdb_prepared_statement_type(stmt_.get());
  return t == DUCKDB_STATEMENT_TYPE_SELECT || t == DUCKDB_STATEMENT_TYPE_EXPLAIN ||
         t == DUCKDB_STATEMENT_TYPE_PRAGMA || t == DUCKDB_STATEMENT_TYPE_RELATION;
}

StatementKind PreparedStatement::kind() const {
  switch (duckdb_prepared_statement_type(stmt_.get())) {
    case DUCKDB_STATEMENT_TYPE_SELECT:
      return StatementKind::kSelect;
    case DUCKDB_STATEMENT_TYPE_INSERT:
      return StatementKind::kInsert;
    case DUCKDB_STATEMENT_TYPE_UPDATE:
      return StatementKind::kUpdate;
    case DUCKDB_STATEMENT_TYPE_DELETE:
      return StatementKind::kDelete;
    case DUCKDB_STATEMENT_TYPE_EXPLAIN:
      return StatementKind::kExplain;
    case DUCKDB_STATEMENT_TYPE_CREATE:
      return StatementKind::kCreate;
    case DUCKDB_STATEMENT_TYPE_DROP:
      return StatementKind::kDrop;
    case DUCKDB_STATEMENT_TYPE_TRANSACTION:
      return StatementKind::kTransaction;
    case DUCKDB_STATEMENT_TYPE_SET:
    case DUCKDB_STATEMENT_TYPE_VARIABLE_SET:
      return StatementKind::kSet;
    case DUCKDB_STATEMENT_TYPE_COPY:
      return StatementKind::kCopy;
    case DUCKDB_STATEMENT_TYPE_EXPORT:
      return StatementKind::kExport;
    case DUCKDB_STATEMENT_TYPE_ATTACH:
    case DUCKDB_STATEMENT_TYPE_DETACH:
      return StatementKind::kAttach;
    case DUCKDB_STATEMENT_TYPE_LOAD:
    case DUCKDB_STATEMENT_TYPE_EXTENSION:
      return StatementKind::kLoad;
    default:
      return StatementKind::kOther;
  }
}

ColumnType PreparedStatement::parameter_type(std::size_t index) const {
  duckdb_logical_type t = duckdb_param_logical_type(stmt_.get(), index);
  if (!t) return {TypeId::kInvalid, "UNKNOWN"};
  ColumnType out = detail::describe_type(t);
  duckdb_destroy_logical_type(&t);
  return out;
}

void PreparedStatement::check(bool ok, std::size_t index, const char* what) {
  if (!ok) {
    throw EngineError(fmt::format("cannot bind {} to parameter ${} (the statement has {} parameters)", what,
                                  index, parameter_count()));
  }
}

PreparedStatement& PreparedStatement::bind(std::size_t index, std::int64_t value) {
  check(duckdb_bind_int64(stmt_.get(), index, value) == DuckDBSuccess, index, "an integer");
  return *this;
}
PreparedStatement& PreparedStatement::bind(std::size_t index, double value) {
  check(duckdb_bind_double(stmt_.get(), index, value) == DuckDBSuccess, index, "a double");
  return *this;
}
PreparedStatement& PreparedStatement::bind(std::size_t index, bool value) {
  check(duckdb_bind_boolean(stmt_.get(), index, value) == DuckDBSuccess, index, "a boolean");
  return *this;
}
PreparedStatement& PreparedStatement::bind(std::size_t index, std::string_view value) {
  check(duckdb_bind_varchar_length(stmt_.get(), index, value.data(), value.size()) == DuckDBSuccess, index,
        "a string");
  return *this;
}
PreparedStatement& PreparedStatement::bind_null(std::size_t index) {
  check(duckdb_bind_null(stmt_.get(), index) == DuckDBSuccess, index, "NULL");
  return *this;
}
void PreparedStatement::clear_bindings() {
  duckdb_clear_bindings(stmt_.get());
}

Result PreparedStatement::execute() {
  duckdb_result raw{};
  duckdb_state state = duckdb_execute_prepared(stmt_.get(), &raw);
  return detail::adopt_result(raw, state, "");
}

}  // namespace pond::engine
