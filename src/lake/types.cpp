#include "lake/types.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <utility>

#include "lake/sql_text.hpp"

namespace pond::lake {

namespace {

// DuckLake 1.0 primitive type names and DuckDB's spelling of them.
constexpr std::array<std::pair<const char*, const char*>, 26> kPrimitives{{
    {"boolean", "BOOLEAN"},
    {"int8", "TINYINT"},
    {"int16", "SMALLINT"},
    {"int32", "INTEGER"},
    {"int64", "BIGINT"},
    {"uint8", "UTINYINT"},
    {"uint16", "USMALLINT"},
    {"uint32", "UINTEGER"},
    {"uint64", "UBIGINT"},
    {"int128", "HUGEINT"},
    {"uint128", "UHUGEINT"},
    {"float32", "FLOAT"},
    {"float64", "DOUBLE"},
    {"time", "TIME"},
    {"timetz", "TIME WITH TIME ZONE"},
    {"date", "DATE"},
    {"timestamp", "TIMESTAMP"},
    {"timestamptz", "TIMESTAMP WITH TIME ZONE"},
    {"timestamp_s", "TIMESTAMP_S"},
    {"timestamp_ms", "TIMESTAMP_MS"},
    {"timestamp_ns", "TIMESTAMP_NS"},
    {"interval", "INTERVAL"},
    {"varchar", "VARCHAR"},
    {"blob", "BLOB"},
    {"uuid", "UUID"},
    {"json", "JSON"},
}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "a INTEGER, b STRUCT(x INT, y INT)" at top-level commas.
std::vector<std::string_view> split_top(std::string_view s) {
  std::vector<std::string_view> parts;
  int depth = 0;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(trim(s.substr(start)));
  return parts;
}

// "name TYPE" or "\"quoted name\" TYPE" inside STRUCT(...).
std::pair<std::string, std::string_view> split_field(std::string_view f) {
  if (!f.empty() && f.front() == '"') {
    std::string name;
    std::size_t i = 1;
    for (; i < f.size(); ++i) {
      if (f[i] == '"') {
        if (i + 1 < f.size() && f[i + 1] == '"') {
          name += '"';
          ++i;
          continue;
        }
        break;
      }
      name += f[i];
    }
    return {name, trim(f.substr(i + 1))};
  }
  std::size_t sp = f.find(' ');
  return {std::string(f.substr(0, sp)), trim(f.substr(sp + 1))};
}

}  // namespace

Column column_from_duckdb_type(const std::string& name, std::string_view duckdb_type) {
  std::string_view t = trim(duckdb_type);
  Column col;
  col.name = name;
  if (t.size() > 2 && t.substr(t.size() - 2) == "[]") {
    col.type = "list";
    col.children.push_back(column_from_duckdb_type("element", t.substr(0, t.size() - 2)));
    return col;
  }
  std::string u = upper(t);
  auto inner = [&](std::size_t prefix) { return t.substr(prefix, t.size() - prefix - 1); };
  if (u.rfind("STRUCT(", 0) == 0) {
    col.type = "struct";
    for (auto f : split_top(inner(7))) {
      auto [fname, ftype] = split_field(f);
      col.children.push_back(column_from_duckdb_type(fname, ftype));
    }
    return col;
  }
  if (u.rfind("MAP(", 0) == 0) {
    auto kv = split_top(inner(4));
    if (kv.size() != 2) throw std::runtime_error("cannot read map type " + std::string(t));
    col.type = "map";
    col.children.push_back(column_from_duckdb_type("key", kv[0]));
    col.children.push_back(column_from_duckdb_type("value", kv[1]));
    return col;
  }
  if (u.rfind("DECIMAL", 0) == 0 || u.rfind("NUMERIC", 0) == 0) {
    std::string args = u.find('(') == std::string::npos ? "(18,3)" : u.substr(u.find('('));
    args.erase(std::remove(args.begin(), args.end(), ' '), args.end());
    col.type = "decimal" + args;
    return col;
  }
  static const std::pair<const char*, const char*> kAliases[] = {{"INT", "INTEGER"},
                                                                 {"INT4", "INTEGER"},
                                                                 {"INT8", "BIGINT"},
                                                                 {"INT2", "SMALLINT"},
                                                                 {"INT1", "TINYINT"},
                                                                 {"LONG", "BIGINT"},
                                                                 {"REAL", "FLOAT"},
                                                                 {"FLOAT4", "FLOAT"},
                                                                 {"FLOAT8", "DOUBLE"},
                                                                 {"STRING", "VARCHAR"},
                                                                 {"TEXT", "VARCHAR"},
                                                                 {"BOOL", "BOOLEAN"},
                                                                 {"TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"},
                                                                 {"DATETIME", "TIMESTAMP"},
                                                                 {"BYTEA", "BLOB"},
                                                                 {"TIMETZ", "TIME WITH TIME ZONE"}};
  for (const auto& [alias, canonical] : kAliases)
    if (u == alias) u = canonical;
  if (u.rfind("VARCHAR", 0) == 0) u = "VARCHAR";
  for (const auto& [lake, duck] : kPrimitives) {
    if (u == duck) {
      col.type = lake;
      return col;
    }
  }
  throw std::runtime_error("the lake cannot store columns of type " + std::string(t) + " (column " + name +
                           ")");
}

std::string duckdb_type_of(const Column& column) {
  const std::string& t = column.type;
  if (t == "list") {
    if (column.children.empty()) throw std::runtime_error("list column " + column.name + " has no element");
    return duckdb_type_of(column.children[0]) + "[]";
  }
  if (t == "struct") {
    std::string out = "STRUCT(";
    for (std::size_t i = 0; i < column.children.size(); ++i) {
      if (i) out += ", ";
      out += quote_identifier(column.children[i].name) + " " + duckdb_type_of(column.children[i]);
    }
    return out + ")";
  }
  if (t == "map") {
    if (column.children.size() != 2)
      throw std::runtime_error("map column " + column.name + " needs key and value");
    return "MAP(" + duckdb_type_of(column.children[0]) + ", " + duckdb_type_of(column.children[1]) + ")";
  }
  if (t.rfind("decimal", 0) == 0) return "DECIMAL" + t.substr(7);
  for (const auto& [lake, duck] : kPrimitives)
    if (t == lake) return duck;
  throw std::runtime_error("column " + column.name + " has DuckLake type '" + t +
                           "', which pond cannot read");
}

void assign_column_ids(Column& column, std::int64_t& next_id) {
  column.id = next_id++;
  for (auto& child : column.children) assign_column_ids(child, next_id);
}

bool is_type_widening(const std::string& from, const std::string& to) {
  if (from == to) return true;
  static const std::vector<std::vector<std::string>> kChains = {
      {"int8", "int16", "int32", "int64", "int128"},
      {"uint8", "uint16", "uint32", "uint64", "uint128"},
      {"float32", "float64"},
  };
  for (const auto& chain : kChains) {
    auto a = std::find(chain.begin(), chain.end(), from);
    auto b = std::find(chain.begin(), chain.end(), to);
    if (a != chain.end() && b != chain.end()) return a < b;
  }
  // Unsigned to a wider signed integer is lossless too.
  static const std::vector<std::pair<std::string, std::string>> kCross = {
      {"uint8", "int16"},  {"uint8", "int32"},   {"uint8", "int64"},
      {"uint16", "int32"}, {"uint16", "int64"},  {"uint32", "int64"},
      {"int8", "float64"}, {"int16", "float64"}, {"int32", "float64"}};
  for (const auto& [f, t] : kCross)
    if (f == from && t == to) return true;
  auto dec = [](const std::string& s, int& p, int& sc) {
    if (s.rfind("decimal(", 0) != 0) return false;
    return std::sscanf(s.c_str(), "decimal(%d,%d)", &p, &sc) == 2;
  };
  int p1 = 0, s1 = 0, p2 = 0, s2 = 0;
  if (dec(from, p1, s1) && dec(to, p2, s2)) return s2 >= s1 && (p2 - s2) >= (p1 - s1);
  return false;
}

const Column* Table::find_column(const std::string& column_name) const {
  for (const auto& c : columns)
    if (c.name == column_name) return &c;
  return nullptr;
}

namespace {

// Whether values of DuckLake type `from` may be written to a column of type `to`: without loss,
// or integers and decimals into a float64 column (a file of whole amounts after one with cents).
bool fits(const std::string& from, const std::string& to) {
  if (is_type_widening(from, to) || to == "varchar") return true;
  bool number = from.rfind("int", 0) == 0 || from.rfind("uint", 0) == 0 || from.rfind("decimal", 0) == 0 ||
                from == "float32";
  return to == "float64" && number;
}

}  // namespace

TypeChange type_change(const Column& have, std::string_view incoming_type) {
  Column incoming = column_from_duckdb_type(have.name, incoming_type);
  if (have.type == incoming.type && have.children.empty() && incoming.children.empty())
    return TypeChange::kFits;
  const bool nested = !have.children.empty() || !incoming.children.empty();
  if (nested)
    return duckdb_type_of(have) == duckdb_type_of(incoming) ? TypeChange::kFits : TypeChange::kClash;
  if (fits(incoming.type, have.type)) return TypeChange::kFits;
  return is_type_widening(have.type, incoming.type) ? TypeChange::kWidens : TypeChange::kClash;
}

}  // namespace pond::lake
