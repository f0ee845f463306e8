#include "dbt/error_location.hpp"

#include <algorithm>
#include <charconv>

namespace pond::dbt {

namespace {

// What DuckDB's "LINE N: <text>\n<spaces>^" says.
struct Quoted {
  int line = 0;
  std::string text;  // the quoted line, "..." marks removed
  bool cut_front = false;
  int caret = -1;  // offset of the caret within `text`, -1 when absent
};

std::optional<Quoted> parse_quote(std::string_view msg) {
  std::size_t at = std::string_view::npos;  // the last "LINE " at the start of a line
  for (std::size_t pos = msg.find("LINE "); pos != std::string_view::npos; pos = msg.find("LINE ", pos + 1))
    if (pos == 0 || msg[pos - 1] == '\n') at = pos;
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t digits = at + 5;
  Quoted q;
  auto [end, ec] = std::from_chars(msg.data() + digits, msg.data() + msg.size(), q.line);
  if (ec != std::errc() || q.line <= 0) return std::nullopt;
  std::size_t after = static_cast<std::size_t>(end - msg.data());
  if (msg.substr(after, 2) != ": ") return std::nullopt;
  std::size_t text_start = after + 2;
  std::size_t eol = msg.find('\n', text_start);
  std::string_view text =
      msg.substr(text_start, eol == std::string_view::npos ? std::string_view::npos : eol - text_start);
  if (eol != std::string_view::npos) {
    std::string_view next = msg.substr(eol + 1);
    std::size_t caret = next.find('^');
    std::size_t next_eol = next.find('\n');
    if (caret != std::string_view::npos && (next_eol == std::string_view::npos || caret < next_eol) &&
        next.substr(0, caret).find_first_not_of(' ') == std::string_view::npos) {
      q.caret = static_cast<int>(caret) - static_cast<int>(text_start - at);
    }
  }
  if (text.substr(0, 3) == "...") {
    text.remove_prefix(3);
    q.cut_front = true;
    if (q.caret >= 0) q.caret -= 3;
  }
  if (text.size() >= 3 && text.substr(text.size() - 3) == "...") text.remove_suffix(3);
  q.text = std::string(text);
  return q;
}

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t nl = s.find('\n', start);
    out.push_back(s.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) return out;
    start = nl + 1;
  }
}

}  // namespace

std::optional<FileLocation> locate_error(const std::vector<std::string>& statements,
                                         std::string_view message) {
  std::optional<Quoted> q = parse_quote(message);
  if (!q) return std::nullopt;
  // First file line of each statement: each is followed by ";\n\n".
  std::vector<int> first_line(statements.size(), 1);
  for (std::size_t k = 1; k < statements.size(); ++k) {
    const std::string& prev = statements[k - 1];
    first_line[k] = first_line[k - 1] + static_cast<int>(std::count(prev.begin(), prev.end(), '\n')) + 2;
  }
  for (std::size_t k = statements.size(); k-- > 0;) {
    std::vector<std::string_view> lines = lines_of(statements[k]);
    if (static_cast<std::size_t>(q->line) > lines.size()) continue;
    std::string_view line = lines[static_cast<std::size_t>(q->line) - 1];
    std::size_t found = q->text.empty() ? 0 : line.find(q->text);
    if (found == std::string_view::npos) continue;
    FileLocation loc;
    loc.line = first_line[k] + q->line - 1;
    if (q->caret >= 0) loc.column = static_cast<int>(found) + q->caret + 1;
    return loc;
  }
  // The statement DuckDB ran may not be the one logged line for line (a lake write runs the
  // model's SELECT inside its own statement, and logs it under a "-- lake:" line): then the
  // line of the last logged statement that holds the quoted text, when only one does.
  if (q->text.find_first_not_of(' ') == std::string::npos || statements.empty()) return std::nullopt;
  std::vector<std::string_view> lines = lines_of(statements.back());
  std::optional<FileLocation> only;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::size_t found = lines[i].find(q->text);
    if (found == std::string_view::npos) continue;
    if (only) return std::nullopt;  // ambiguous
    only = FileLocation{first_line.back() + static_cast<int>(i),
                        q->caret >= 0 ? static_cast<int>(found) + q->caret + 1 : 0};
  }
  return only;
}

}  // namespace pond::dbt
