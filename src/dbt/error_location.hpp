#pragma once
// Maps the location DuckDB gives in an error ("LINE 5: select no_such_column," plus a caret line)
// to a line of target/run/<file>.sql, where the failing statement sits among the others.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::dbt {

// 1-based; column 0 when DuckDB's caret could not be placed.
struct FileLocation {
  int line = 0;
  int column = 0;
};

// `statements` are the step's executed SQL in the order written to its run file (each followed
// by ";\n\n", as write_artifacts writes them). The statement is found by DuckDB's quoted line text,
// from the last one back (the failing statement is normally the last one run). nullopt when the
// message has no LINE or no statement matches it.
std::optional<FileLocation> locate_error(const std::vector<std::string>& statements,
                                         std::string_view message);

}  // namespace pond::dbt
