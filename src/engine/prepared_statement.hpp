#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/handles.hpp"
#include "engine/result.hpp"
#include "engine/types.hpp"

namespace pond::engine {

class Connection;

// What kind of statement a prepared statement is (DuckDB's statement types that callers tell apart).
enum class StatementKind {
  kSelect,
  kInsert,
  kUpdate,
  kDelete,
  kExplain,
  kCreate,
  kDrop,
  kTransaction,
  kSet,
  kCopy,    // COPY (to or from a file)
  kExport,  // EXPORT DATABASE
  kAttach,  // ATTACH, DETACH
  kLoad,    // INSTALL, LOAD (extensions)
  kOther
};

// A parsed and planned statement; bind parameters by 1-based index, then execute.
// Reusable: bind new values and execute again.
class PreparedStatement {
 public:
  PreparedStatement(Connection& con, std::string_view sql);
  PreparedStatement(PreparedStatement&&) noexcept = default;
  PreparedStatement& operator=(PreparedStatement&&) noexcept = default;
  ~PreparedStatement();

  std::size_t parameter_count() const;
  std::size_t column_count() const;
  std::string column_name(std::size_t col) const;
  ColumnType column_type(std::size_t col) const;
  // True for SELECT-like statements that return rows.
  bool returns_rows() const;
  StatementKind kind() const;
  // The type DuckDB inferred for parameter $index (1-based); kInvalid/"UNKNOWN" when it could not.
  ColumnType parameter_type(std::size_t index) const;

  PreparedStatement& bind(std::size_t index, std::int64_t value);
  PreparedStatement& bind(std::size_t index, int value) { return bind(index, std::int64_t{value}); }
  PreparedStatement& bind(std::size_t index, double value);
  PreparedStatement& bind(std::size_t index, bool value);
  PreparedStatement& bind(std::size_t index, std::string_view value);
  PreparedStatement& bind(std::size_t index, const char* value) {
    return bind(index, std::string_view(value));
  }
  PreparedStatement& bind_null(std::size_t index);
  // Binds a parameter given as text (the PostgreSQL wire's text format) with the value type the
  // statement expects when the text is a plain literal of it (`42` for an INTEGER), else as
  // VARCHAR for DuckDB to cast. DuckDB re-plans a prepared statement on every execution whose
  // bound value's type differs from the planned one, so typing the common cases here keeps the
  // plan; the values are exactly what DuckDB's own cast would give.
  PreparedStatement& bind_text(std::size_t index, std::string_view text, TypeId expected);
  void clear_bindings();

  Result execute();

 private:
  struct Destroyer {
    void operator()(_duckdb_prepared_statement* stmt) const;
  };
  void check(bool ok, std::size_t index, const char* what);
  std::unique_ptr<_duckdb_prepared_statement, Destroyer> stmt_;
};

}  // namespace pond::engine
