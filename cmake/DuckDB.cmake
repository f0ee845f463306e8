# DuckDB comes from third_party/duckdb/, filled by scripts/fetch-duckdb (DESIGN.md decision 2).
set(POND_DUCKDB_DIR ${PROJECT_SOURCE_DIR}/third_party/duckdb CACHE PATH "Where libduckdb.so and duckdb.h are")
set(POND_DUCKDB_VERSION "v1.5.6" CACHE STRING "The DuckDB library version pond is built for")

if(NOT EXISTS ${POND_DUCKDB_DIR}/lib/libduckdb.so OR NOT EXISTS ${POND_DUCKDB_DIR}/include/duckdb.h)
  message(FATAL_ERROR "DuckDB is missing from ${POND_DUCKDB_DIR}: run scripts/setup first")
endif()

# `duckdb`: DuckDB's C API header. pond does not link libduckdb.so: src/engine defines each
# function of the header and loads the library on first use (cmake/duckdb_stubs.py says why).
add_library(duckdb INTERFACE)
# SYSTEM: DuckDB's header is not ours to keep warning-free. NO_DEPRECATED: pond uses none of it.
target_include_directories(duckdb SYSTEM INTERFACE ${POND_DUCKDB_DIR}/include)
target_compile_definitions(duckdb INTERFACE DUCKDB_API_NO_DEPRECATED)
set(POND_DUCKDB_HEADER ${POND_DUCKDB_DIR}/include/duckdb.h)

# `duckdb_shared`: the library linked as usual, for reference programs (bench/run's baseline).
add_library(duckdb_shared SHARED IMPORTED GLOBAL)
set_target_properties(duckdb_shared PROPERTIES
  IMPORTED_LOCATION ${POND_DUCKDB_DIR}/lib/libduckdb.so
  IMPORTED_SONAME libduckdb.so)
target_link_libraries(duckdb_shared INTERFACE duckdb)

# Executables find libduckdb.so next to the sources without LD_LIBRARY_PATH (dlopen searches the
# executable's RUNPATH too).
set(CMAKE_BUILD_RPATH ${POND_DUCKDB_DIR}/lib)
set(CMAKE_INSTALL_RPATH ${POND_DUCKDB_DIR}/lib)
