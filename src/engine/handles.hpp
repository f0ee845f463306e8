#pragma once
// Opaque DuckDB C API handle types, so that engine headers need not include duckdb.h
// (190 KB that every file including the engine would otherwise parse).
struct _duckdb_database;
struct _duckdb_connection;
struct _duckdb_prepared_statement;
struct _duckdb_appender;
struct _duckdb_data_chunk;
