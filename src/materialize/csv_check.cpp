#include "materialize/csv_check.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

namespace pond::materialize {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not valid UTF-8.
std::size_t utf8_length(const std::string& s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  return n;
}

}  // namespace

std::optional<CsvProblem> find_csv_problem(const std::filesystem::path& file, char delimiter) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return CsvProblem{0, 0, "cannot be read"};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t line = 1, line_start = 0;
  std::size_t header_fields = 0, fields = 1, record = 0;
  std::size_t record_line = 1;
  bool quoted = false, field_start = true, record_empty = true;
  std::size_t quote_line = 0, quote_col = 0, extra_col = 1;
  auto col = [&](std::size_t i) { return i - line_start + 1; };
  auto end_record = [&]() -> std::optional<CsvProblem> {
    if (!record_empty) {
      if (record == 0) {
        header_fields = fields;
      } else if (fields != header_fields) {
        return CsvProblem{
            record_line, fields > header_fields ? extra_col : 1,
            fmt::format("record {} has {} field(s), the header has {}", record, fields, header_fields)};
      }
      ++record;
    }
    fields = 1;
    field_start = true;
    record_empty = true;
    return std::nullopt;
  };
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_length(text, i);
    if (n == 0)
      return CsvProblem{line, col(i),
                        fmt::format("byte 0x{:02X} is not UTF-8 (save the file as UTF-8)",
                                    static_cast<unsigned char>(text[i]))};
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          i += 2;
          continue;
        }
        quoted = false;
      } else if (c == '\n') {
        ++line;
        line_start = i + 1;
      }
      i += n;
      continue;
    }
    if (c == '"' && field_start) {
      quoted = true;
      quote_line = line;
      quote_col = col(i);
      record_empty = false;
      field_start = false;
    } else if (c == delimiter) {
      ++fields;
      if (record > 0 && fields == header_fields + 1) extra_col = col(i) + 1;
      field_start = true;
      record_empty = false;
    } else if (c == '\n' || c == '\r') {
      if (auto p = end_record()) return p;
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      line_start = i + 1;
      record_line = line;
    } else {
      field_start = false;
      record_empty = false;
    }
    i += n;
  }
  if (quoted) return CsvProblem{quote_line, quote_col, "this quote is never closed"};
  if (auto p = end_record()) return p;
  return std::nullopt;
}

}  // namespace pond::materialize
