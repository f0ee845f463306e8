#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/types.hpp"

namespace pond::cli {

// A small result held as text, ready to print: what `pond show` displays.
struct TextTable {
  std::vector<std::string> columns;
  std::vector<engine::ColumnType> types;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt = NULL
  bool truncated = false;                                     // more rows existed than shown
};

enum class OutputFormat { kTable, kJson, kCsv };
OutputFormat parse_output_format(const std::string& name);

// Aligned text table (numbers right-aligned, NULL shown as NULL), as dbt show prints it.
void print_table(std::ostream& out, const TextTable& table);
// A JSON array of row objects; numbers and booleans keep their JSON types.
void print_json(std::ostream& out, const TextTable& table);
// dbt show's JSON for a selected node: {"node": "<name>", "show": [<rows as print_json>]}.
void print_json_node(std::ostream& out, const std::string& node, const TextTable& table);
// CSV with a header line, quoted as RFC 4180 says, one row per line (LF).
void print_csv(std::ostream& out, const TextTable& table);
// The table in `format` (print_table, print_json or print_csv).
void print_as(std::ostream& out, const TextTable& table, OutputFormat format);

}  // namespace pond::cli
