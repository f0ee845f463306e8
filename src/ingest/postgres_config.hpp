#pragma once
// A PostgreSQL resource (`from: postgres`) as the loader needs it: the server, what to read (a
// table or a query), the incremental cursor and the parallel reads by key range. `connection` and
// `password` are templates: `${NAME}` stands for the environment variable NAME, read when the
// resource loads and never printed. docs/ingest.md documents each key.
#include <optional>
#include <string>

#include "ingest/rest_config.hpp"

namespace pond::ingest {

struct PostgresSource {
  std::string connection;    // a libpq connection string or postgresql:// URL (a template)
  std::string password;      // a template; empty: libpq's own (PGPASSWORD, ~/.pgpass, the URL's)
  std::string source_table;  // `schema.table` as written in SQL; or
  std::string query;         // a SELECT
  std::optional<CursorIncremental> incremental;  // `param` is unused
  int parallel = 1;                              // connections reading key ranges at once (one snapshot)
  std::string parallel_key;  // the integer column the ranges split (`parallel: {connections, key}`)
  // Partitioned (`window: {column, key_column}`): the column holding the time window (or, without
  // a time dimension, the key) and the list dimension's column of a two-dimensional definition.
  std::string window_column;
  std::string window_key_column;
};

}  // namespace pond::ingest
