#include "serve/result_writer.hpp"

#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "http/server.hpp"
#include "serve/pg_types.hpp"

namespace pond::serve {

namespace {

constexpr std::size_t kPieceBytes = 64 * 1024;

using engine::TypeId;

bool is_json_number(const engine::ColumnType& t) {
  switch (t.id) {
    case TypeId::kTinyInt:
    case TypeId::kSmallInt:
    case TypeId::kInteger:
    case TypeId::kBigInt:
    case TypeId::kUTinyInt:
    case TypeId::kUSmallInt:
    case TypeId::kUInteger:
    case TypeId::kUBigInt:
    case TypeId::kHugeInt:
    case TypeId::kUHugeInt:
    case TypeId::kDecimal:
    case TypeId::kFloat:
    case TypeId::kDouble:
      return true;
    default:
      return false;
  }
}

std::string json_string(const std::string& text) {
  // Invalid UTF-8 (possible in VARCHAR read from files) becomes U+FFFD rather than failing the result.
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_json(std::string& out, const std::optional<std::string>& value, const engine::ColumnType& type) {
  if (!value) {
    out += "null";
  } else if (type.id == TypeId::kBoolean) {
    out += *value == "t" ? "true" : "false";
  } else if (is_json_number(type) && *value != "NaN" && *value != "Infinity" && *value != "-Infinity") {
    out += *value;
  } else {
    out += json_string(*value);
  }
}

void append_csv(std::string& out, const std::optional<std::string>& value) {
  if (!value) return;  // NULL: an empty field
  if (value->find_first_of(",\"\r\n") == std::string::npos && !value->empty()) {
    out += *value;
    return;
  }
  out += '"';
  for (char c : *value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string media_type(std::string_view entry) {
  std::string t(entry.substr(0, entry.find(';')));
  t = std::string(trim(t));
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

}  // namespace

ResultFormat negotiate_format(std::string_view accept) {
  if (trim(accept).empty()) return ResultFormat::kJson;
  std::vector<std::string> asked;
  std::size_t pos = 0;
  while (pos <= accept.size()) {
    std::size_t comma = accept.find(',', pos);
    std::string t = media_type(
        accept.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (t == "application/json" || t == "*/*" || t == "application/*") return ResultFormat::kJson;
    if (t == "text/csv" || t == "text/*") return ResultFormat::kCsv;
    if (t == "application/vnd.apache.parquet" || t == "application/parquet" || t == "application/x-parquet")
      return ResultFormat::kParquet;
    if (!t.empty()) asked.push_back(t);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  bool arrow = false;
  for (const auto& t : asked) arrow = arrow || t.find("arrow") != std::string::npos;
  // DuckDB's C API gives Arrow's C data interface, not IPC bytes, and Debian has no Arrow C++
  // library to write IPC with: refused, never sent as something else.
  throw http::Error(406,
                    arrow ? "Arrow IPC results are not supported by pond serve"
                          : "no supported format in Accept: " + std::string(accept),
                    "ask for application/json (the default), text/csv or application/vnd.apache.parquet");
}

std::string content_type(ResultFormat format) {
  switch (format) {
    case ResultFormat::kJson:
      return "application/json; charset=utf-8";
    case ResultFormat::kCsv:
      return "text/csv; charset=utf-8";
    case ResultFormat::kParquet:
      return "application/vnd.apache.parquet";
  }
  return "application/octet-stream";
}

std::uint64_t write_result(engine::Result& result, const std::vector<std::string>& names,
                           const std::vector<engine::ColumnType>& types, ResultFormat format,
                           const std::function<bool(std::string_view)>& write) {
  std::string out;
  std::vector<std::string> keys;  // JSON object keys, escaped once
  if (format == ResultFormat::kJson) {
    out += '[';
    for (const auto& n : names) keys.push_back(json_string(n) + ":");
  } else {
    for (std::size_t c = 0; c < names.size(); ++c) {
      if (c) out += ',';
      append_csv(out, names[c]);
    }
    out += "\r\n";
  }
  std::uint64_t rows = 0;
  while (auto chunk = result.next_chunk()) {
    for (std::size_t r = 0; r < chunk->size(); ++r) {
      if (format == ResultFormat::kJson) {
        out += rows ? ",{" : "{";
        for (std::size_t c = 0; c < types.size(); ++c) {
          if (c) out += ',';
          out += keys[c];
          append_json(out, text_value(*chunk, c, r, types[c]), types[c]);
        }
        out += '}';
      } else {
        for (std::size_t c = 0; c < types.size(); ++c) {
          if (c) out += ',';
          append_csv(out, text_value(*chunk, c, r, types[c]));
        }
        out += "\r\n";
      }
      ++rows;
      if (out.size() >= kPieceBytes) {
        if (!write(out)) return rows;
        out.clear();
      }
    }
  }
  if (format == ResultFormat::kJson) out += "]";
  if (!out.empty()) write(out);
  return rows;
}

}  // namespace pond::serve
