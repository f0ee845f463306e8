#include "engine/prepared_statement.hpp"

#include <duckdb.h>
#include <fmt/format.h>

#include <charconv>
#include <optional>

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
namespace {

// The whole of `text` as a T in plain decimal (no sign '+', no spaces: those go to DuckDB's cast).
template <class T>
std::optional<T> parse_exact(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

PreparedStatement& PreparedStatement::bind_text(std::size_t index, std::string_view text, TypeId expected) {
  duckdb_state state = DuckDBError;
  bool typed = true;
  auto stmt = stmt_.get();
  switch (expected) {
    case TypeId::kTinyInt:
      if (auto v = parse_exact<std::int8_t>(text))
        state = duckdb_bind_int8(stmt, index, *v);
      else
        typed = false;
      break;
    case TypeId::kSmallInt:
      if (auto v = parse_exact<std::int16_t>(text))
        state = duckdb_bind_int16(stmt, index, *v);
      else
        typed = false;
      break;
    case TypeId::kInteger:
      if (auto v = parse_exact<std::int32_t>(text))
        state = duckdb_bind_int32(stmt, index, *v);
      else
        typed = false;
      break;
    case TypeId::kBigInt:
      if (auto v = parse_exact<std::int64_t>(text))
        state = duckdb_bind_int64(stmt, index, *v);
      else
        typed = false;
      break;
    case TypeId::kUTinyInt:
      if (auto v = parse_exact<std::uint8_t>(text))
        state = duckdb_bind_uint8(stmt, index, *v);
      else
        typed = false;
      break;
    case TypeId::kUSmallInt:
      if (auto v = parse_exact<std::uint16_t>(text))
        state = duckdb_bind_uint16(stmt, index, *v);
      else
        typed = false;
      break;
    case TypeId::kUInteger:
      if (auto v = parse_exact<std::uint32_t>(text))
        state = duckdb_bind_uint32(stmt, index, *v);
      else
        typed = false;
      break;
    case TypeId::kUBigInt:
      if (auto v = parse_exact<std::uint64_t>(text))
        state = duckdb_bind_uint64(stmt, index, *v);
      else
        typed = false;
      break;
    case TypeId::kBoolean:
      if (text == "t" || text == "true")
        state = duckdb_bind_boolean(stmt, index, true);
      else if (text == "f" || text == "false")
        state = duckdb_bind_boolean(stmt, index, false);
      else
        typed = false;
      break;
    case TypeId::kVarchar:
      state = duckdb_bind_varchar_length(stmt, index, text.data(), text.size());
      break;
    default:
      typed = false;
      break;
  }
  if (!typed) return bind(index, text);
  check(state == DuckDBSuccess, index, "a value");
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
