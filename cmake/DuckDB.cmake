# DuckDB comes from third_party/duckdb/, filled by scripts/fetch-duckdb (DESIGN.md decision 2).
set(POND_DUCKDB_DIR ${PROJECT_SOURCE_DIR}/third_party/duckdb CACHE PATH "Where libduckdb.so and duckdb.h are")
set(POND_DUCKDB_VERSION "v1.5.6" CACHE STRING "The DuckDB library version pond is built for")

if(NOT EXISTS ${POND_DUCKDB_DIR}/lib/libduckdb.so OR NOT EXISTS ${POND_DUCKDB_DIR}/include/duckdb.h)
  message(FATAL_ERROR "DuckDB is missing from ${POND_DUCKDB_DIR}: run scripts/setup first")
endif()

add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION ${POND_DUCKDB_DIR}/lib/libduckdb.so
  IMPORTED_SONAME libduckdb.so)
# SYSTEM: DuckDB's header is not ours to keep warning-free. NO_DEPRECATED: pond uses none of it.
target_include_directories(duckdb SYSTEM INTERFACE ${POND_DUCKDB_DIR}/include)
target_compile_definitions(duckdb INTERFACE DUCKDB_API_NO_DEPRECATED)

# Executables find libduckdb.so next to the sources without LD_LIBRARY_PATH.
set(CMAKE_BUILD_RPATH ${POND_DUCKDB_DIR}/lib)
set(CMAKE_INSTALL_RPATH ${POND_DUCKDB_DIR}/lib)
