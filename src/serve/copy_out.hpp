#pragma once
// COPY ... TO STDOUT: the statement read into the query it copies and its options, and rows in
// PostgreSQL's COPY text and CSV formats. The query itself runs like any SELECT of the session
// (catalog rewrite, authorization), so COPY shows a role exactly what SELECT shows it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::serve {

struct CopyOptions {
  bool csv = false;
  bool header = false;
  char delimiter = '\t';
  std::string null = "\\N";
  char quote = '"';
  char escape = '"';
};

struct CopyToStdout {
  std::string query;  // a SELECT: the parenthesised query, or `SELECT cols FROM table`
  CopyOptions options;
};

// Reads `COPY (query) TO STDOUT [WITH] [options]` or `COPY table [(cols)] TO STDOUT ...` with
// PostgreSQL's option syntax (`(FORMAT csv, HEADER)` and the older `CSV HEADER`). Any other COPY
// (to or from a file or program, FROM STDIN, BINARY) and bad options are a SqlError with
// PostgreSQL's SQLSTATE.
CopyToStdout parse_copy_to_stdout(std::string_view sql);

// Appends one line (with its newline) in the COPY format of `options`; nullopt is NULL.
void append_copy_line(std::string& out, const CopyOptions& options,
                      const std::vector<std::optional<std::string>>& values);

}  // namespace pond::serve
