#include "engine/connection.hpp"

#include <duckdb.h>

#include "engine/appender.hpp"
#include "engine/database.hpp"
#include "engine/error.hpp"
#include "engine/prepared_statement.hpp"
#include "engine/result_internal.hpp"

namespace pond::engine {

void Connection::Closer::operator()(_duckdb_connection* con) const {
  duckdb_connection handle = con;
  duckdb_disconnect(&handle);
}

Connection::Connection(const Database& db) {
  duckdb_connection con = nullptr;
  if (duckdb_connect(db.handle(), &con) == DuckDBError) {
    throw EngineError("cannot connect to DuckDB database '" + db.path() + "'");
  }
  con_.reset(con);
  if (!db.connection_init().empty()) execute(db.connection_init());
}

Connection::~Connection() = default;

Result Connection::query(std::string_view sql) {
  std::string text(sql);  // the C API needs a terminated string
  duckdb_result raw{};
  duckdb_state state = duckdb_query(con_.get(), text.c_str(), &raw);
  return detail::adopt_result(raw, state, "");
}

PreparedStatement Connection::prepare(std::string_view sql) {
  return PreparedStatement(*this, sql);
}

Appender Connection::appender(std::string_view schema, std::string_view table) {
  return Appender(*this, schema, table);
}

void Connection::interrupt() {
  duckdb_interrupt(con_.get());
}

}  // namespace pond::engine
