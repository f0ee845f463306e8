#pragma once
// `write: scd2`: every version of a row kept, as a slowly changing dimension of type 2. Each
// row carries `_pond_valid_from`/`_pond_valid_to` (TIMESTAMPTZ; NULL: the current version) and
// `_pond_row_hash` (md5 of the row's data as JSON). A load compares its rows with the current
// versions by primary key: a new key or a changed row (another hash) retires the current
// version (valid_to = the load's time) and adds the new one (valid_from = the load's time); an
// unchanged row is left alone. With `retire_absent` (default: when the load reads the whole
// source, full_extract), a current key the load does not bring was deleted at the source: its
// version is retired (a hard delete).
//
// The result is one merge on (primary key, _pond_valid_from): the retired versions replace
// themselves with valid_to set, the new versions match nothing and are added. One commit.
#include <string>

#include "ingest/resource.hpp"

namespace pond::ingest {

inline constexpr const char* kValidFrom = "_pond_valid_from";
inline constexpr const char* kValidTo = "_pond_valid_to";
inline constexpr const char* kRowHash = "_pond_row_hash";

// The rows to merge. `incoming`: the load's rows, one per key, data columns only; `current`:
// the query reading the table now (empty on the first load); `meta`: the load's
// `, ... AS _pond_load_id, ... AS _pond_loaded_at` columns; `loaded_at`: the load's time.
std::string scd2_rows_sql(const ResourceConfig& r, const std::string& incoming, const std::string& current,
                          const std::string& meta, const std::string& loaded_at);

}  // namespace pond::ingest
