#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/handles.hpp"

namespace pond::engine {

// One DuckDB database instance (a file or in-memory); owns the handle and closes it.
// Connections borrow it, so it must outlive them.
class Database {
 public:
  // `path` empty or ":memory:" opens an in-memory database. `options` are DuckDB config
  // settings (e.g. {"threads", "2"}, {"access_mode", "READ_ONLY"}).
  static Database open(std::string_view path, const std::map<std::string, std::string>& options = {});

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database();

  const std::string& path() const { return path_; }
  // SQL every new Connection runs first (e.g. `USE lake_db`, so that unqualified names
  // resolve in an attached catalog: DuckDB keeps the default catalog per connection).
  void set_connection_init(std::string sql) { connection_init_ = std::move(sql); }
  const std::string& connection_init() const { return connection_init_; }
  _duckdb_database* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(_duckdb_database* db) const;
  };
  Database(std::string path, _duckdb_database* db) : path_(std::move(path)), db_(db) {}

  std::string path_;
  std::string connection_init_;
  std::unique_ptr<_duckdb_database, Closer> db_;
};

// The version string of the DuckDB library actually loaded (e.g. "v1.5.6").
std::string loaded_library_version();

// Loads DuckDB's library if it is not yet; throws EngineError if it cannot be loaded or is not
// the version pond was built against.
void check_library_version();

}  // namespace pond::engine
