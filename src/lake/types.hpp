#pragma once
#include <string>
#include <string_view>

#include "lake/model.hpp"

namespace pond::lake {

// A DuckDB type as a DuckLake column tree: `type` is the DuckLake name and nested types
// get children ("element" for lists, "key"/"value" for maps, field names for structs).
// Column ids are left 0; assign_column_ids numbers them depth first.
Column column_from_duckdb_type(const std::string& name, std::string_view duckdb_type);

// The DuckDB type of a DuckLake column (recursing into children for nested types).
// Throws CatalogError-free std::runtime_error for a type pond does not know.
std::string duckdb_type_of(const Column& column);

// Numbers `column` and its children from `next_id` (depth first, parent before child).
void assign_column_ids(Column& column, std::int64_t& next_id);

// True when a column of DuckLake type `from` may become `to` without rewriting files
// (integer widening, float32 -> float64, wider decimals).
bool is_type_widening(const std::string& from, const std::string& to);

// What writing values of DuckDB type `incoming` into the column `have` takes: nothing (the same
// type, or values that fit without loss: integers into a wider or float64 column, anything into
// varchar), widening the column's type (is_type_widening), or neither (a clash: a write refuses).
enum class TypeChange { kFits, kWidens, kClash };
TypeChange type_change(const Column& have, std::string_view incoming);

}  // namespace pond::lake
