#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "engine/handles.hpp"
#include "engine/result.hpp"

namespace pond::engine {

class Database;
class PreparedStatement;
class Appender;

// One connection to a Database; queries on one connection run one at a time.
// interrupt() may be called from any thread to stop the running query.
class Connection {
 public:
  explicit Connection(const Database& db);
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;
  ~Connection();

  // Runs one or more SQL statements; the result is the last statement's.
  Result query(std::string_view sql);
  // Runs SQL for its effect only.
  void execute(std::string_view sql) { query(sql); }

  PreparedStatement prepare(std::string_view sql);
  Appender appender(std::string_view schema, std::string_view table);

  // Stops the query running on this connection; it fails with EngineError::interrupted().
  void interrupt();

  _duckdb_connection* handle() const { return con_.get(); }

 private:
  struct Closer {
    void operator()(_duckdb_connection* con) const;
  };
  std::unique_ptr<_duckdb_connection, Closer> con_;
};

}  // namespace pond::engine
