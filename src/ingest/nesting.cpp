#include "ingest/nesting.hpp"

#include <set>

#include "common/error.hpp"
#include "common/text.hpp"
#include "lake/types.hpp"

namespace pond::ingest {

namespace {

// dlt's `_flatten`: `expr` (of type `col`) named `name` in a row of level `row_level`; `level` is
// the level of the struct holding it (a struct's fields are one level down).
void flatten(const std::string& expr, const lake::Column& col, const std::string& name, int level,
             int row_level, FlatRow& row) {
  if (col.type == "struct" && level > 0 && !col.children.empty()) {
    for (const auto& field : col.children)
      flatten("struct_extract(" + expr + ", " + quote_literal(field.name) + ")", field,
              name + "__" + field.name, level - 1, row_level, row);
    return;
  }
  row.columns.emplace_back(name, expr);
  if (col.type == "list" && level > 0 && !col.children.empty())
    row.lists.push_back(ListField{name, col.children.front(), row_level - 1});
}

void check_unique(const FlatRow& row, const std::string& table) {
  std::set<std::string> seen;
  for (const auto& [name, expr] : row.columns)
    if (!seen.insert(to_lower(name)).second)
      throw UserError("nested JSON of " + table + ": two fields flatten to the column '" + name +
                          "' (a field of that name and a nested field whose path joined by '__' spells it)",
                      "rename one in the source, or set max_nesting: 0 to keep nested values as they are",
                      ExitCode::kStepFailed);
}

// The columns of a child row of level `level` holding the list element `v` of type `element`.
FlatRow flatten_element(const lake::Column& element, int level) {
  FlatRow row;
  const std::string v = "__pond_v";
  if (element.type == "struct" && !element.children.empty()) {
    // The element is the row: its fields are its columns (dlt flattens a dict in a list as a row).
    for (const auto& field : element.children)
      flatten("struct_extract(" + v + ", " + quote_literal(field.name) + ")", field, field.name, level, level,
              row);
  } else if (element.type == "list") {
    // A list in a list: dlt's intermediate row {"list": [...]}, one level down.
    flatten(v, element, "list", level - 1, level - 1, row);
  } else {
    row.columns.emplace_back("value", v);
  }
  return row;
}

}  // namespace

FlatRow flatten_root(const std::vector<std::pair<std::string, std::string>>& columns, int max_nesting,
                     const std::string& table) {
  FlatRow row;
  for (const auto& [name, type] : columns)
    flatten(quote_identifier(name), lake::column_from_duckdb_type(name, type), name, max_nesting, max_nesting,
            row);
  check_unique(row, table);
  return row;
}

std::string flat_select(const FlatRow& row, const std::string& source, bool with_filename) {
  std::string projection;
  for (const auto& [name, expr] : row.columns)
    projection += (projection.empty() ? "" : ", ") + expr + " AS " + quote_identifier(name);
  if (with_filename) projection += ", filename";
  return "SELECT " + projection + " FROM (" + source + ") AS pond_nested";
}

std::string list_columns(const std::vector<ListField>& lists) {
  std::string out;
  for (const auto& l : lists) out += (out.empty() ? "" : ", ") + quote_identifier(l.column);
  return out;
}

void child_tables(const std::string& parent_table, const std::string& parent_rel, bool root,
                  const std::vector<ListField>& lists, std::vector<ChildTable>& out) {
  for (const auto& list : lists) {
    const std::string name = parent_table + "__" + list.column;
    const std::string col = "p." + quote_identifier(list.column);
    const std::string inner =
        "SELECT p._pond_id AS __pond_parent, " + std::string(root ? "p._pond_id" : "p._pond_root_id") +
        " AS __pond_root, p._pond_load_id AS __pond_load, p._pond_loaded_at AS __pond_at, unnest(" + col +
        ") AS __pond_v, generate_subscripts(" + col + ", 1) - 1 AS __pond_i FROM (" + parent_rel + ") AS p";
    FlatRow row = flatten_element(list.element, list.level);
    for (const char* own : {"_pond_parent_id", "_pond_root_id", "_pond_list_idx", "_pond_id"})
      row.columns.emplace_back(own, "");
    check_unique(row, name);
    row.columns.resize(row.columns.size() - 4);
    std::string projection;
    for (const auto& [column, expr] : row.columns)
      projection += expr + " AS " + quote_identifier(column) + ", ";
    projection +=
        "__pond_parent AS _pond_parent_id, __pond_root AS _pond_root_id, __pond_i AS _pond_list_idx, md5(" +
        std::string("__pond_parent || '_' || ") + quote_literal(name) +
        " || '_' || CAST(__pond_i AS VARCHAR)) AS _pond_id, __pond_load AS _pond_load_id, __pond_at AS "
        "_pond_loaded_at";
    const std::string rows = "SELECT " + projection + " FROM (" + inner + ") AS u";
    out.push_back(ChildTable{name, row.lists.empty() ? rows
                                                     : "SELECT * EXCLUDE (" + list_columns(row.lists) +
                                                           ") FROM (" + rows + ") AS c"});
    child_tables(name, rows, false, row.lists, out);
  }
}

}  // namespace pond::ingest
