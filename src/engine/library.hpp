#pragma once
#include <string>

namespace pond::engine {

// DuckDB's library is loaded on first use, not at process start (see cmake/duckdb_stubs.py):
// commands that never open a database do not pay for it. Loading checks that the library is the
// version pond was built for and throws EngineError (with a hint) when it cannot be loaded.

// The file libduckdb.so was loaded from (loads it if it is not yet).
std::string library_path();

namespace detail {
// The address of the DuckDB function number `index` of the generated table; called by the
// generated definitions of DuckDB's C API functions.
void* duckdb_function(int index);
extern const char* const kDuckdbFunctionNames[];
extern const int kDuckdbFunctionCount;
}  // namespace detail

}  // namespace pond::engine
