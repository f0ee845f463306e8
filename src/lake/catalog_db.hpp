#pragma once
// The lake's catalog database: the state-store layer's Database (SQLite, PostgreSQL) plus a
// DuckDB-file backend for catalogs that DuckDB's own `ducklake` extension writes.
#include <memory>
#include <string>

#include "state/database.hpp"

namespace pond::lake {

using SqlValue = state::Value;
using Row = state::Row;
using CatalogDb = state::Database;
using CatalogKind = state::Kind;
using CatalogTransaction = state::Transaction;
// A failure of the catalog database; CommitRace: another writer committed first, retry.
using CatalogError = state::Error;
using CommitRace = state::Conflict;

// Opens a catalog from a connection string: "sqlite:path", "postgres:<libpq conninfo>",
// "duckdb:path" (also "ducklake:path"), or a bare path (".sqlite"/".db" = SQLite,
// ".ducklake"/".duckdb" = DuckDB). Relative paths are taken as given.
std::unique_ptr<CatalogDb> open_catalog_db(const std::string& spec);

std::unique_ptr<CatalogDb> open_duckdb_catalog(const std::string& path);

}  // namespace pond::lake
