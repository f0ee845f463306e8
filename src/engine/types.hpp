#pragma once
#include <cstdint>
#include <string>

namespace pond::engine {

// DuckDB's logical type ids (same numbers as duckdb_type; checked in types.cpp).
enum class TypeId : int {
  kInvalid = 0,
  kBoolean = 1,
  kTinyInt = 2,
  kSmallInt = 3,
  kInteger = 4,
  kBigInt = 5,
  kUTinyInt = 6,
  kUSmallInt = 7,
  kUInteger = 8,
  kUBigInt = 9,
  kFloat = 10,
  kDouble = 11,
  kTimestamp = 12,
  kDate = 13,
  kTime = 14,
  kInterval = 15,
  kHugeInt = 16,
  kVarchar = 17,
  kBlob = 18,
  kDecimal = 19,
  kTimestampS = 20,
  kTimestampMs = 21,
  kTimestampNs = 22,
  kEnum = 23,
  kList = 24,
  kStruct = 25,
  kMap = 26,
  kUuid = 27,
  kUnion = 28,
  kBit = 29,
  kTimeTz = 30,
  kTimestampTz = 31,
  kUHugeInt = 32,
  kArray = 33,
  kAny = 34,
  kBigNum = 35,
  kSqlNull = 36,
  kStringLiteral = 37,
  kIntegerLiteral = 38,
  kTimeNs = 39,
};

// A column's type: its id and its SQL spelling ("DECIMAL(10,2)", "VARCHAR[]", ...).
struct ColumnType {
  TypeId id = TypeId::kInvalid;
  std::string name;

  bool is_integer() const;
  bool is_numeric() const;  // integers, floats, decimals: right-aligned in tables
};

// Days since 1970-01-01 and microseconds since the epoch, as DuckDB stores them.
struct Date {
  int32_t days = 0;
  std::string to_string() const;  // YYYY-MM-DD
};
struct Timestamp {
  int64_t micros = 0;
  std::string to_string() const;  // YYYY-MM-DD HH:MM:SS[.ffffff]
};

}  // namespace pond::engine
