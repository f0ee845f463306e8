#include "engine/database.hpp"

#include <duckdb.h>

#include "engine/error.hpp"
#include "engine/library.hpp"

namespace pond::engine {
namespace {

// RAII for the config object, which is only needed while opening.
struct Config {
  duckdb_config config = nullptr;
  Config() {
    if (duckdb_create_config(&config) == DuckDBError) throw EngineError("could not create a DuckDB config");
  }
  ~Config() { duckdb_destroy_config(&config); }
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;
};

}  // namespace

void Database::Closer::operator()(_duckdb_database* db) const {
  duckdb_database handle = db;
  duckdb_close(&handle);
}

Database Database::open(std::string_view path, const std::map<std::string, std::string>& options) {
  std::string p(path);
  Config config;
  for (const auto& [name, value] : options) {
    if (duckdb_set_config(config.config, name.c_str(), value.c_str()) == DuckDBError) {
      throw EngineError("invalid DuckDB setting " + name + "=" + value);
    }
  }
  duckdb_database db = nullptr;
  char* error = nullptr;
  const char* c_path = (p.empty() || p == ":memory:") ? nullptr : p.c_str();
  if (duckdb_open_ext(c_path, &db, config.config, &error) == DuckDBError) {
    std::string message = error ? error : "unknown error";
    if (error) duckdb_free(error);
    throw EngineError("cannot open DuckDB database " + (c_path ? "'" + p + "'" : std::string("in memory")) +
                      ": " + message);
  }
  return Database(c_path ? p : ":memory:", db);
}

Database::~Database() = default;

std::string loaded_library_version() {
  return duckdb_library_version();
}

void check_library_version() {
  library_path();  // loading the library checks its version
}

}  // namespace pond::engine
