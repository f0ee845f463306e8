#pragma once
#include <string>

#include "lake/catalog_db.hpp"

namespace pond::lake {

// The DuckLake format version pond reads and writes.
inline constexpr const char* kDuckLakeVersion = "1.0";

// Creates every DuckLake 1.0 catalog table (when missing) and the initial state: snapshot 0
// with schema "main", and ducklake_metadata (version, created_by, data_path, encrypted).
// Does nothing but check the version when the catalog already holds a lake.
void initialize_catalog(CatalogDb& db, const std::string& data_path);

// Throws UserError when the catalog holds no lake or a lake of another format version.
void check_catalog_version(CatalogDb& db, const std::string& where);

}  // namespace pond::lake
