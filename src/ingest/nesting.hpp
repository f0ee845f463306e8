#pragma once
// Nested JSON into tables, as dlt's relational normalizer does, in DuckDB SQL (no row walker):
// the fields of a STRUCT become columns `a__b`, and a LIST becomes a child table
// `<table>__<field>` (deeper: `<table>__<field>__<sub>`), one row per element with
// `_pond_parent_id` (the parent row's `_pond_id`), `_pond_root_id` (the root row's), and
// `_pond_list_idx` (the element's position, from 0). A list of scalars gives rows with one
// `value` column; a list of lists an intermediate `list` column (dlt's names).
//
// `max_nesting` counts down as dlt's `max_table_nesting`: a row of level L (the root: max_nesting)
// flattens its structs while the struct's level is above 0 and turns its lists into child tables
// of level L - 1; at level 0 a struct or list stays as it is (a STRUCT or LIST column).
#include <string>
#include <utility>
#include <vector>

#include "lake/model.hpp"

namespace pond::ingest {

// A list column of a row that becomes a child table.
struct ListField {
  std::string column;    // its name in the parent's rows (the flattened path: "addr__tags")
  lake::Column element;  // the element's type
  int level = 0;         // the nesting level of the child's rows
};

// A row's columns after flattening.
struct FlatRow {
  std::vector<std::pair<std::string, std::string>> columns;  // name, SQL expression (lists included)
  std::vector<ListField> lists;
};

// The source columns (name, DuckDB type) of a root row of level `max_nesting`, flattened: each
// expression reads the source's columns by name. `table` names the table in errors (two fields
// that flatten to one column).
FlatRow flatten_root(const std::vector<std::pair<std::string, std::string>>& columns, int max_nesting,
                     const std::string& table);

// SELECT of the flattened columns from `source` (keeping a `filename` column when asked).
std::string flat_select(const FlatRow& row, const std::string& source, bool with_filename);

// One child table of a load.
struct ChildTable {
  std::string name;    // unqualified: "<root>__orders__items"
  std::string select;  // its rows, without its own list columns
};

// The child tables of rows `parent_rel` (a relation with `_pond_id`, `_pond_load_id`,
// `_pond_loaded_at`, the list columns and, unless `root`, `_pond_root_id`), depth first.
// A child row's `_pond_id` is md5(parent id, table, index), as dlt's, so recomputing a child's
// query for its own children gives the same ids.
void child_tables(const std::string& parent_table, const std::string& parent_rel, bool root,
                  const std::vector<ListField>& lists, std::vector<ChildTable>& out);

// The SQL list of `lists`' columns, for `SELECT * EXCLUDE (...)`.
std::string list_columns(const std::vector<ListField>& lists);

}  // namespace pond::ingest
