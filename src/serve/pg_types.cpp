#include "serve/pg_types.hpp"

#include <fmt/format.h>

#include <bit>

#include "serve/sql_error.hpp"

namespace pond::serve {

namespace {

using engine::TypeId;

// PostgreSQL's type OIDs (pg_type.dat) and sizes.
struct PgType {
  std::int32_t oid;
  std::int16_t size;
};

PgType pg_type(const engine::ColumnType& t) {
  switch (t.id) {
    case TypeId::kBoolean:
      return {16, 1};
    case TypeId::kTinyInt:
    case TypeId::kSmallInt:
    case TypeId::kUTinyInt:
      return {21, 2};
    case TypeId::kInteger:
    case TypeId::kUSmallInt:
      return {23, 4};
    case TypeId::kBigInt:
    case TypeId::kUInteger:
      return {20, 8};
    case TypeId::kUBigInt:
    case TypeId::kHugeInt:
    case TypeId::kUHugeInt:
    case TypeId::kDecimal:
    case TypeId::kBigNum:
      return {1700, -1};
    case TypeId::kFloat:
      return {700, 4};
    case TypeId::kDouble:
      return {701, 8};
    case TypeId::kDate:
      return {1082, 4};
    case TypeId::kTime:
    case TypeId::kTimeNs:
      return {1083, 8};
    case TypeId::kTimeTz:
      return {1266, 12};
    case TypeId::kTimestamp:
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampNs:
      return {1114, 8};
    case TypeId::kTimestampTz:
      return {1184, 8};
    case TypeId::kInterval:
      return {1186, 16};
    case TypeId::kUuid:
      return {2950, 16};
    case TypeId::kBlob:
      return {17, -1};
    case TypeId::kVarchar:
      return {t.name == "JSON" ? 114 : 1043, -1};
    default:
      return {25, -1};  // enums, lists, structs, maps, unions, bits: their DuckDB text
  }
}

std::string hex_bytes(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + 2 * bytes.size());
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace

FieldDescription describe_column(const std::string& name, const engine::ColumnType& type) {
  PgType p = pg_type(type);
  return {name, p.oid, p.size, -1};
}

std::int32_t parameter_oid(const engine::ColumnType& type) {
  if (type.id == TypeId::kInvalid || type.id == TypeId::kAny || type.id == TypeId::kSqlNull) return 0;
  return pg_type(type).oid;
}

namespace {

std::uint64_t big_endian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  return v;
}

void expect_size(std::string_view bytes, std::size_t n, std::int32_t oid) {
  if (bytes.size() != n)
    throw SqlError(
        "22P03",
        fmt::format("incorrect binary data format in bind parameter (type {}: {} bytes, expected {})", oid,
                    bytes.size(), n));
}

// PostgreSQL's binary numeric: ndigits, weight (of the first base-10000 digit), sign, dscale
// (digits after the point), then the base-10000 digits; as the decimal text DuckDB parses.
std::string numeric_text(std::string_view bytes) {
  auto word = [&](std::size_t i) { return static_cast<std::uint16_t>(big_endian(bytes.substr(2 * i, 2))); };
  if (bytes.size() < 8) expect_size(bytes, 8, 1700);
  const int ndigits = static_cast<std::int16_t>(word(0));
  const int weight = static_cast<std::int16_t>(word(1));
  const std::uint16_t sign = word(2);
  const int dscale = word(3);
  if (ndigits < 0 || bytes.size() != 8 + 2 * static_cast<std::size_t>(ndigits)) expect_size(bytes, 8, 1700);
  if (sign == 0xC000) return "NaN";
  if (sign != 0 && sign != 0x4000)
    throw SqlError("22P03", "invalid sign in external \"numeric\" value in bind parameter");
  auto digit = [&](int i) -> int {  // the base-10000 digit of weight `weight - i`, 0 outside
    if (i < 0 || i >= ndigits) return 0;
    int d = word(4 + static_cast<std::size_t>(i));
    if (d > 9999) throw SqlError("22P03", "invalid digit in external \"numeric\" value in bind parameter");
    return d;
  };
  std::string out = sign == 0x4000 ? "-" : "";
  if (weight < 0) {
    out += "0";
  } else {
    for (int i = 0; i <= weight; ++i)
      out += i == 0 ? std::to_string(digit(i)) : fmt::format("{:04}", digit(i));
  }
  if (dscale > 0) {
    std::string frac;
    for (int i = weight + 1; static_cast<int>(frac.size()) < dscale; ++i)
      frac += fmt::format("{:04}", digit(i));
    out += "." + frac.substr(0, static_cast<std::size_t>(dscale));
  }
  return out;
}

}  // namespace

std::string binary_parameter_text(std::int32_t oid, std::string_view bytes) {
  switch (oid) {
    case 16:
      expect_size(bytes, 1, oid);
      return bytes[0] ? "true" : "false";
    case 21:
      expect_size(bytes, 2, oid);
      return std::to_string(static_cast<std::int16_t>(big_endian(bytes)));
    case 23:
      expect_size(bytes, 4, oid);
      return std::to_string(static_cast<std::int32_t>(big_endian(bytes)));
    case 20:
      expect_size(bytes, 8, oid);
      return std::to_string(static_cast<std::int64_t>(big_endian(bytes)));
    case 700: {
      expect_size(bytes, 4, oid);
      return fmt::format("{}", std::bit_cast<float>(static_cast<std::uint32_t>(big_endian(bytes))));
    }
    case 701:
      expect_size(bytes, 8, oid);
      return fmt::format("{}", std::bit_cast<double>(big_endian(bytes)));
    case 1700:
      return numeric_text(bytes);
    case 25:
    case 1043:
    case 19:
    case 114:
      return std::string(bytes);  // text-like types: binary is the text
    default:
      throw SqlError("0A000",
                     fmt::format("binary-format parameters of type {} are not supported by pond serve yet; "
                                 "send them as text",
                                 oid));
  }
}

std::string duckdb_type_of_oid(std::int32_t oid) {
  switch (oid) {
    case 16:
      return "BOOLEAN";
    case 21:
      return "SMALLINT";
    case 23:
      return "INTEGER";
    case 20:
      return "BIGINT";
    case 700:
      return "FLOAT";
    case 701:
      return "DOUBLE";
    case 1700:
      return "DECIMAL(38,10)";  // PostgreSQL's numeric has no fixed scale; DuckDB's decimals do
    case 1082:
      return "DATE";
    case 1083:
      return "TIME";
    case 1114:
      return "TIMESTAMP";
    case 1184:
      return "TIMESTAMPTZ";
    case 1186:
      return "INTERVAL";
    case 2950:
      return "UUID";
    case 17:
      return "BLOB";
    default:
      return "VARCHAR";
  }
}

bool readable_directly(const engine::ColumnType& type) {
  switch (type.id) {
    case TypeId::kBoolean:
    case TypeId::kTinyInt:
    case TypeId::kSmallInt:
    case TypeId::kInteger:
    case TypeId::kBigInt:
    case TypeId::kUTinyInt:
    case TypeId::kUSmallInt:
    case TypeId::kUInteger:
    case TypeId::kUBigInt:
    case TypeId::kHugeInt:
    case TypeId::kFloat:
    case TypeId::kDouble:
    case TypeId::kDecimal:
    case TypeId::kVarchar:
    case TypeId::kBlob:
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kTimestampS:
    case TypeId::kTimestampMs:
    case TypeId::kTimestampNs:
    case TypeId::kEnum:
      return true;
    default:
      return false;
  }
}

std::optional<std::string> text_value(const engine::Chunk& chunk, std::size_t col, std::size_t row,
                                      const engine::ColumnType& original) {
  if (chunk.is_null(col, row)) return std::nullopt;
  switch (original.id) {
    case TypeId::kBoolean: {
      // Direct (bool) or cast to VARCHAR ("true"/"false"): PostgreSQL spells t/f.
      std::string v = chunk.get<std::string>(col, row);
      return std::string(v == "true" ? "t" : "f");
    }
    case TypeId::kBlob:
      return hex_bytes(chunk.get<std::string_view>(col, row));
    case TypeId::kFloat:
    case TypeId::kDouble: {
      std::string v = chunk.get<std::string>(col, row);
      if (v == "inf") return std::string("Infinity");
      if (v == "-inf") return std::string("-Infinity");
      if (v == "nan" || v == "-nan") return std::string("NaN");
      return v;
    }
    default:
      return chunk.get<std::string>(col, row);
  }
}

}  // namespace pond::serve
