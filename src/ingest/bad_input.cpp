#include "ingest/bad_input.hpp"

#include <zlib.h>

#include <fstream>
#include <optional>
#include <regex>

#include "common/error.hpp"
#include "common/scope_guard.hpp"
#include "common/text.hpp"
#include "engine/connection.hpp"
#include "engine/error.hpp"
#include "ingest/compressed_file.hpp"
#include "ingest/reader_sql.hpp"

namespace pond::ingest {

std::string short_engine_message(const std::string& message) {
  std::string m = message;
  for (const char* cut :
       {"\nPossible fixes", "\nPossible solutions", "\n\n  file =", "\n  file =", "\n\nLINE ", "\nLINE "}) {
    auto at = m.find(cut);
    if (at != std::string::npos) m = m.substr(0, at);
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

namespace {

// The first line of a (plain or gzip) file; nullopt for other compressions.
std::optional<std::string> first_line(const SourceFile& f, Compression c) {
  Compression actual = compression_of(f, c);
  if (actual == Compression::kNone) {
    std::ifstream in(f.full, std::ios::binary);
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    return line;
  }
  if (actual != Compression::kGzip) return std::nullopt;
  gzFile g = gzopen(f.full.c_str(), "rb");
  if (!g) return std::nullopt;
  ScopeGuard close([&] { gzclose(g); });
  std::string line;
  char buf[4096];
  while (gzgets(g, buf, sizeof buf)) {
    line += buf;
    if (!line.empty() && line.back() == '\n') break;
  }
  return line;
}

// Fields of a CSV line (quotes respected, embedded newlines not).
std::size_t field_count(const std::string& line, char delimiter, char quote) {
  std::size_t n = 1;
  bool quoted = false;
  for (char ch : line) {
    if (ch == quote) quoted = !quoted;
    if (!quoted && ch == delimiter) ++n;
  }
  return n;
}

// Reads the whole query (every column parsed); the engine's error, if any.
std::optional<std::string> read_error(engine::Connection& con, const std::string& sql) {
  try {
    con.execute("CREATE OR REPLACE TEMP TABLE __pond_ingest_probe AS " + sql);
    con.execute("DROP TABLE IF EXISTS temp.__pond_ingest_probe");
    return std::nullopt;
  } catch (const engine::EngineError& e) {
    return std::string(e.what());
  }
}

// "path:line: reason" when DuckDB names the line (CSV: "CSV Error on Line: N", JSON: "in line N").
std::string located(const std::string& path, std::string message) {
  static const std::regex kCsv(R"((?:[A-Za-z ]+ Error: )?CSV Error on Line: (\d+)\s*)");
  static const std::regex kJson(R"(in line (\d+))");
  std::smatch m;
  std::string line;
  if (std::regex_search(message, m, kCsv)) {
    line = m[1];
    message = std::string(m.prefix()) + std::string(m.suffix());
  } else if (std::regex_search(message, m, kJson)) {
    line = m[1];
  }
  std::string flat;
  for (char ch : message) {
    if (ch == '\n') {
      if (!flat.empty() && flat.back() != ' ') flat += "; ";
      continue;
    }
    flat += ch;
  }
  while (flat.ends_with("; ") || flat.ends_with(" ")) flat.pop_back();
  return path + (line.empty() ? "" : ":" + line) + ": " + flat;
}

bool is_csv(const ResourceConfig& r) {
  FileFormat f = resource_format(r);
  return f == FileFormat::kCsv || f == FileFormat::kTsv;
}

}  // namespace

void throw_read_error(engine::Connection& con, const ResourceConfig& r, const std::vector<SourceFile>& files,
                      const std::string& failure) {
  for (const auto& f : files) {
    auto err = read_error(con, reader_sql(r, {f}));
    if (!err) continue;
    std::string message = short_engine_message(*err);
    // A dialect DuckDB cannot detect has no line: read again with detection off to find it.
    if (is_csv(r) && message.find("line") == std::string::npos && message.find("Line") == std::string::npos) {
      if (auto header = first_line(f, r.compression)) {
        char delimiter = r.csv.delimiter && !r.csv.delimiter->empty() ? r.csv.delimiter->front()
                         : resource_format(r) == FileFormat::kTsv     ? '\t'
                                                                      : ',';
        char quote = r.csv.quote && !r.csv.quote->empty() ? r.csv.quote->front() : '"';
        if (auto strict = read_error(con, strict_csv_sql(r, f, field_count(*header, delimiter, quote))))
          message = short_engine_message(*strict);
      }
    }
    throw UserError("ingest resource '" + r.name + "': " + located(f.path, message),
                    "fix or remove the file (nothing of this load was committed)", ExitCode::kStepFailed);
  }
  throw UserError("ingest resource '" + r.name + "': reading " + std::to_string(files.size()) +
                      " files failed: " + short_engine_message(failure),
                  "each file reads alone; they may disagree on a column's type (set it with 'columns:')",
                  ExitCode::kStepFailed);
}

}  // namespace pond::ingest
