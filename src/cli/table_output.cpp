#include "cli/table_output.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace pond::cli {

OutputFormat parse_output_format(const std::string& name) {
  if (name == "table" || name == "text") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  throw std::invalid_argument("unknown output format '" + name + "' (table, json, csv)");
}

namespace {

// Display width in terminal columns: count UTF-8 code points, not bytes.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, std::size_t width, bool right) {
  std::size_t w = display_width(s);
  if (w >= width) return s;
  std::string fill(width - w, ' ');
  return right ? fill + s : s + fill;
}

std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else
      out += c;
  }
  return out;
}

}  // namespace

void print_table(std::ostream& out, const TextTable& table) {
  const std::size_t n = table.columns.size();
  std::vector<std::size_t> width(n);
  std::vector<std::vector<std::string>> cells;
  for (std::size_t c = 0; c < n; ++c) width[c] = std::max<std::size_t>(display_width(table.columns[c]), 1);
  for (const auto& row : table.rows) {
    auto& line = cells.emplace_back();
    for (std::size_t c = 0; c < n; ++c) {
      line.push_back(row[c] ? one_line(*row[c]) : "NULL");
      width[c] = std::max(width[c], display_width(line.back()));
    }
  }
  auto separator = [&] {
    out << "|";
    for (std::size_t c = 0; c < n; ++c) out << " " << std::string(width[c], '-') << " |";
    out << "\n";
  };
  out << "|";
  for (std::size_t c = 0; c < n; ++c) out << " " << pad(table.columns[c], width[c], false) << " |";
  out << "\n";
  separator();
  for (const auto& line : cells) {
    out << "|";
    for (std::size_t c = 0; c < n; ++c) {
      bool right = c < table.types.size() && table.types[c].is_numeric();
      out << " " << pad(line[c], width[c], right) << " |";
    }
    out << "\n";
  }
}

namespace {

nlohmann::ordered_json typed_value(const std::string& text, const engine::ColumnType& type) {
  if (type.id == engine::TypeId::kBoolean) return text == "true";
  if (type.is_integer()) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && p == text.data() + text.size()) return v;
    return text;  // beyond 64 bits: keep every digit as text
  }
  if (type.is_numeric()) {
    try {
      std::size_t used = 0;
      double d = std::stod(text, &used);
      if (used == text.size() && std::isfinite(d)) return d;
    } catch (const std::exception&) {
    }
    return text;
  }
  return text;
}

// ordered_json: keys stay in the query's column order.
nlohmann::ordered_json rows_json(const TextTable& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      obj[table.columns[c]] =
          row[c] ? typed_value(*row[c], table.types.at(c)) : nlohmann::ordered_json(nullptr);
    }
    rows.push_back(std::move(obj));
  }
  return rows;
}

}  // namespace

void print_json(std::ostream& out, const TextTable& table) {
  out << rows_json(table).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

void print_json_node(std::ostream& out, const std::string& node, const TextTable& table) {
  nlohmann::ordered_json j = {{"node", node}, {"show", rows_json(table)}};
  out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

void print_csv(std::ostream& out, const TextTable& table) {
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  };
  for (std::size_t c = 0; c < table.columns.size(); ++c) out << (c ? "," : "") << field(table.columns[c]);
  out << "\n";
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << (row[c] ? field(*row[c]) : "");
    out << "\n";
  }
}

void print_as(std::ostream& out, const TextTable& table, OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable:
      print_table(out, table);
      break;
    case OutputFormat::kJson:
      print_json(out, table);
      break;
    case OutputFormat::kCsv:
      print_csv(out, table);
      break;
  }
}

}  // namespace pond::cli
