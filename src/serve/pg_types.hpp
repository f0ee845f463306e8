#pragma once
// DuckDB types as PostgreSQL sees them: type OIDs for RowDescription and values in
// PostgreSQL's text format.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "engine/types.hpp"
#include "serve/wire_decode.hpp"
#include "serve/wire_encode.hpp"

namespace pond::serve {

// The PostgreSQL type a DuckDB column is sent as (text, OID 25, for types PostgreSQL lacks).
FieldDescription describe_column(const std::string& name, const engine::ColumnType& type);

// The OID of a parameter's inferred type (0, "unspecified", when DuckDB could not infer it).
std::int32_t parameter_oid(const engine::ColumnType& type);

// The DuckDB type for a parameter the client declared as PostgreSQL type `oid` (VARCHAR for 0,
// unspecified, and for types without a closer DuckDB type), as PostgreSQL types unknown as text.
std::string duckdb_type_of_oid(std::int32_t oid);

// A parameter sent in binary format as the text DuckDB casts from; throws SqlError for a
// type without a binary decoder here (0A000) or bytes of the wrong size (22P03).
std::string binary_parameter_text(std::int32_t oid, std::string_view bytes);

// True when a value of this type can be read directly from a result; otherwise the query is
// run with its columns cast to VARCHAR inside DuckDB (nested types, intervals, times, ...).
bool readable_directly(const engine::ColumnType& type);

// One value in PostgreSQL's text format; `original` is the column's type before any cast.
std::optional<std::string> text_value(const engine::Chunk& chunk, std::size_t col, std::size_t row,
                                      const engine::ColumnType& original);

}  // namespace pond::serve
