#include "engine/appender.hpp"

#include <duckdb.h>

#include "engine/connection.hpp"
#include "engine/error.hpp"

namespace pond::engine {

namespace {
std::string appender_message(duckdb_appender app) {
  duckdb_error_data data = duckdb_appender_error_data(app);
  std::string out =
      data && duckdb_error_data_has_error(data) ? duckdb_error_data_message(data) : "unknown error";
  if (data) duckdb_destroy_error_data(&data);
  return out;
}
}  // namespace

void Appender::Destroyer::operator()(_duckdb_appender* app) const {
  duckdb_appender handle = app;
  duckdb_appender_destroy(&handle);
}

Appender::Appender(Connection& con, std::string_view schema, std::string_view table)
    : table_(std::string(schema) + "." + std::string(table)) {
  std::string s(schema), t(table);
  duckdb_appender app = nullptr;
  duckdb_state state = duckdb_appender_create(con.handle(), s.empty() ? nullptr : s.c_str(), t.c_str(), &app);
  app_.reset(app);
  if (state == DuckDBError) throw EngineError("cannot append to " + table_ + ": " + appender_message(app));
}

Appender::~Appender() = default;

void Appender::check(bool ok, const char* action) {
  if (!ok)
    throw EngineError(std::string("cannot ") + action + " " + table_ + ": " + appender_message(app_.get()));
}

Appender& Appender::append(std::int64_t value) {
  check(duckdb_append_int64(app_.get(), value) == DuckDBSuccess, "append to");
  return *this;
}
Appender& Appender::append(double value) {
  check(duckdb_append_double(app_.get(), value) == DuckDBSuccess, "append to");
  return *this;
}
Appender& Appender::append(bool value) {
  check(duckdb_append_bool(app_.get(), value) == DuckDBSuccess, "append to");
  return *this;
}
Appender& Appender::append(std::string_view value) {
  check(duckdb_append_varchar_length(app_.get(), value.data(), value.size()) == DuckDBSuccess, "append to");
  return *this;
}
Appender& Appender::append_null() {
  check(duckdb_append_null(app_.get()) == DuckDBSuccess, "append to");
  return *this;
}
void Appender::end_row() {
  check(duckdb_appender_end_row(app_.get()) == DuckDBSuccess, "end a row of");
}
void Appender::flush() {
  check(duckdb_appender_flush(app_.get()) == DuckDBSuccess, "flush");
}
void Appender::close() {
  check(duckdb_appender_close(app_.get()) == DuckDBSuccess, "close the appender of");
}

}  // namespace pond::engine
