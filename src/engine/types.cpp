#include "engine/types.hpp"

#include <duckdb.h>
#include <fmt/format.h>

namespace pond::engine {

static_assert(static_cast<int>(TypeId::kVarchar) == DUCKDB_TYPE_VARCHAR);
static_assert(static_cast<int>(TypeId::kUHugeInt) == DUCKDB_TYPE_UHUGEINT);
static_assert(static_cast<int>(TypeId::kArray) == DUCKDB_TYPE_ARRAY);
static_assert(static_cast<int>(TypeId::kTimestampTz) == DUCKDB_TYPE_TIMESTAMP_TZ);
static_assert(static_cast<int>(TypeId::kTimeNs) == DUCKDB_TYPE_TIME_NS);

bool ColumnType::is_integer() const {
  switch (id) {
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
    case TypeId::kBigNum:
      return true;
    default:
      return false;
  }
}

bool ColumnType::is_numeric() const {
  return is_integer() || id == TypeId::kFloat || id == TypeId::kDouble || id == TypeId::kDecimal;
}

std::string Date::to_string() const {
  duckdb_date_struct d = duckdb_from_date(duckdb_date{days});
  return fmt::format("{:04d}-{:02d}-{:02d}", d.year, d.month, d.day);
}

std::string Timestamp::to_string() const {
  duckdb_timestamp_struct t = duckdb_from_timestamp(duckdb_timestamp{micros});
  std::string out = fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}", t.date.year, t.date.month,
                                t.date.day, t.time.hour, t.time.min, t.time.sec);
  if (t.time.micros != 0) out += fmt::format(".{:06d}", t.time.micros);
  return out;
}

}  // namespace pond::engine
