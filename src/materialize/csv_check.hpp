#pragma once
// Finds the first record of a CSV file that a strict reader refuses, for an error that names
// the file's line and column instead of DuckDB's sniffer dump. Only called after a read failed.
#include <filesystem>
#include <optional>
#include <string>

namespace pond::materialize {

// The first problem in a CSV file: 1-based line and column (in bytes) and what is wrong.
struct CsvProblem {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;
};

// Checks RFC 4180 records (double quotes, `delimiter`, \n or \r\n): every record has the
// header's number of fields, quotes are closed, the text is UTF-8. nullopt: nothing found.
std::optional<CsvProblem> find_csv_problem(const std::filesystem::path& file, char delimiter = ',');

}  // namespace pond::materialize
