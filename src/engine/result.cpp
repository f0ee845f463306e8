#include "engine/result.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "engine/error.hpp"
#include "engine/result_internal.hpp"

namespace pond::engine {

// __extension__: 128-bit integers are a GCC/Clang extension; DuckDB's HUGEINT needs them.
__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

// ---------------------------------------------------------------------------------------------
// Type description

namespace {

std::string take_string(char* s) {
  std::string out = s ? s : "";
  if (s) duckdb_free(s);
  return out;
}

struct LogicalType {
  duckdb_logical_type type;
  explicit LogicalType(duckdb_logical_type t) : type(t) {}
  ~LogicalType() { duckdb_destroy_logical_type(&type); }
  LogicalType(const LogicalType&) = delete;
  LogicalType& operator=(const LogicalType&) = delete;
};

std::string type_name(duckdb_logical_type type) {
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN:
      return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT:
      return "TINYINT";
    case DUCKDB_TYPE_SMALLINT:
      return "SMALLINT";
    case DUCKDB_TYPE_INTEGER:
      return "INTEGER";
    case DUCKDB_TYPE_BIGINT:
      return "BIGINT";
    case DUCKDB_TYPE_UTINYINT:
      return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT:
      return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER:
      return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
      return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT:
      return "FLOAT";
    case DUCKDB_TYPE_DOUBLE:
      return "DOUBLE";
    case DUCKDB_TYPE_DECIMAL:
      return fmt::format("DECIMAL({},{})", duckdb_decimal_width(type), duckdb_decimal_scale(type));
    case DUCKDB_TYPE_VARCHAR:
      return "VARCHAR";
    case DUCKDB_TYPE_BLOB:
      return "BLOB";
    case DUCKDB_TYPE_DATE:
      return "DATE";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_TIME_NS:
      return "TIME_NS";
    case DUCKDB_TYPE_TIME_TZ:
      return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP:
      return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_S:
      return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return "TIMESTAMP_NS";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL:
      return "INTERVAL";
    case DUCKDB_TYPE_UUID:
      return "UUID";
    case DUCKDB_TYPE_BIT:
      return "BIT";
    case DUCKDB_TYPE_BIGNUM:
      return "BIGNUM";
    case DUCKDB_TYPE_ENUM:
      return "ENUM";
    case DUCKDB_TYPE_SQLNULL:
      return "NULL";
    case DUCKDB_TYPE_LIST: {
      LogicalType child(duckdb_list_type_child_type(type));
      return type_name(child.type) + "[]";
    }
    case DUCKDB_TYPE_ARRAY: {
      LogicalType child(duckdb_array_type_child_type(type));
      return fmt::format("{}[{}]", type_name(child.type), duckdb_array_type_array_size(type));
    }
    case DUCKDB_TYPE_MAP: {
      LogicalType k(duckdb_map_type_key_type(type)), v(duckdb_map_type_value_type(type));
      return fmt::format("MAP({}, {})", type_name(k.type), type_name(v.type));
    }
    case DUCKDB_TYPE_STRUCT:
    case DUCKDB_TYPE_UNION: {
      bool is_struct = duckdb_get_type_id(type) == DUCKDB_TYPE_STRUCT;
      idx_t n = is_struct ? duckdb_struct_type_child_count(type) : duckdb_union_type_member_count(type);
      std::string out = is_struct ? "STRUCT(" : "UNION(";
      for (idx_t i = 0; i < n; ++i) {
        std::string name = take_string(is_struct ? duckdb_struct_type_child_name(type, i)
                                                 : duckdb_union_type_member_name(type, i));
        LogicalType child(is_struct ? duckdb_struct_type_child_type(type, i)
                                    : duckdb_union_type_member_type(type, i));
        out += (i ? ", " : "") + name + " " + type_name(child.type);
      }
      return out + ")";
    }
    default:
      return "UNKNOWN";
  }
}

}  // namespace

ColumnType detail::describe_type(duckdb_logical_type type) {
  return ColumnType{static_cast<TypeId>(duckdb_get_type_id(type)), type_name(type)};
}

// ---------------------------------------------------------------------------------------------
// Chunk

struct Chunk::Impl {
  duckdb_data_chunk chunk = nullptr;
  std::vector<duckdb_vector> vectors;
  std::vector<uint64_t*> validity;
  std::vector<duckdb_type> types;
  std::vector<duckdb_logical_type> logical;  // owned by the vectors' chunk? no: destroyed below
  std::size_t size = 0;

  ~Impl() {
    for (auto& t : logical) duckdb_destroy_logical_type(&t);
    if (chunk) duckdb_destroy_data_chunk(&chunk);
  }
};

Chunk::Chunk(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Chunk::Chunk(Chunk&&) noexcept = default;
Chunk& Chunk::operator=(Chunk&&) noexcept = default;
Chunk::~Chunk() = default;

std::size_t Chunk::size() const {
  return impl_->size;
}
std::size_t Chunk::column_count() const {
  return impl_->vectors.size();
}

bool Chunk::is_null(std::size_t col, std::size_t row) const {
  uint64_t* v = impl_->validity.at(col);
  return v != nullptr && !duckdb_validity_row_is_valid(v, row);
}

namespace {

template <typename T>
T raw_at(duckdb_vector v, std::size_t row) {
  return static_cast<const T*>(duckdb_vector_get_data(v))[row];
}

std::string hugeint_to_string(int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  uint128 u = negative ? -static_cast<uint128>(v) : static_cast<uint128>(v);
  std::string out;
  while (u > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return negative ? "-" + out : out;
}

int128 decimal_raw(duckdb_vector v, duckdb_logical_type type, std::size_t row) {
  switch (duckdb_decimal_internal_type(type)) {
    case DUCKDB_TYPE_SMALLINT:
      return raw_at<int16_t>(v, row);
    case DUCKDB_TYPE_INTEGER:
      return raw_at<int32_t>(v, row);
    case DUCKDB_TYPE_BIGINT:
      return raw_at<int64_t>(v, row);
    default: {
      auto h = raw_at<duckdb_hugeint>(v, row);
      return (static_cast<int128>(h.upper) << 64) | static_cast<int128>(h.lower);
    }
  }
}

std::string decimal_to_string(int128 raw, int scale) {
  std::string digits = hugeint_to_string(raw < 0 ? -raw : raw);
  if (scale > 0) {
    if (static_cast<int>(digits.size()) <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    digits.insert(digits.size() - scale, ".");
  }
  return raw < 0 ? "-" + digits : digits;
}

std::string double_to_string(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, end);
}

[[noreturn]] void type_mismatch(const char* wanted, duckdb_logical_type type) {
  throw EngineError(fmt::format("cannot read a {} column as {}", type_name(type), wanted));
}

}  // namespace

template <>
bool Chunk::get<bool>(std::size_t col, std::size_t row) const {
  if (is_null(col, row)) throw EngineError("unexpected NULL");
  if (impl_->types[col] != DUCKDB_TYPE_BOOLEAN) type_mismatch("BOOLEAN", impl_->logical[col]);
  return raw_at<bool>(impl_->vectors[col], row);
}

template <>
int64_t Chunk::get<int64_t>(std::size_t col, std::size_t row) const {
  if (is_null(col, row)) throw EngineError("unexpected NULL");
  duckdb_vector v = impl_->vectors[col];
  switch (impl_->types[col]) {
    case DUCKDB_TYPE_BOOLEAN:
      return raw_at<bool>(v, row);
    case DUCKDB_TYPE_TINYINT:
      return raw_at<int8_t>(v, row);
    case DUCKDB_TYPE_SMALLINT:
      return raw_at<int16_t>(v, row);
    case DUCKDB_TYPE_INTEGER:
      return raw_at<int32_t>(v, row);
    case DUCKDB_TYPE_BIGINT:
      return raw_at<int64_t>(v, row);
    case DUCKDB_TYPE_UTINYINT:
      return raw_at<uint8_t>(v, row);
    case DUCKDB_TYPE_USMALLINT:
      return raw_at<uint16_t>(v, row);
    case DUCKDB_TYPE_UINTEGER:
      return raw_at<uint32_t>(v, row);
    case DUCKDB_TYPE_UBIGINT: {
      uint64_t u = raw_at<uint64_t>(v, row);
      if (u > static_cast<uint64_t>(INT64_MAX)) throw EngineError("UBIGINT value out of BIGINT range");
      return static_cast<int64_t>(u);
    }
    case DUCKDB_TYPE_HUGEINT: {
      auto h = raw_at<duckdb_hugeint>(v, row);
      int128 x = (static_cast<int128>(h.upper) << 64) | static_cast<int128>(h.lower);
      if (x > INT64_MAX || x < INT64_MIN) throw EngineError("HUGEINT value out of BIGINT range");
      return static_cast<int64_t>(x);
    }
    default:
      type_mismatch("an integer", impl_->logical[col]);
  }
}

template <>
int32_t Chunk::get<int32_t>(std::size_t col, std::size_t row) const {
  int64_t v = get<int64_t>(col, row);
  if (v > INT32_MAX || v < INT32_MIN) throw EngineError("value out of INTEGER range");
  return static_cast<int32_t>(v);
}

template <>
double Chunk::get<double>(std::size_t col, std::size_t row) const {
  if (is_null(col, row)) throw EngineError("unexpected NULL");
  duckdb_vector v = impl_->vectors[col];
  switch (impl_->types[col]) {
    case DUCKDB_TYPE_FLOAT:
      return raw_at<float>(v, row);
    case DUCKDB_TYPE_DOUBLE:
      return raw_at<double>(v, row);
    case DUCKDB_TYPE_DECIMAL: {
      int128 raw = decimal_raw(v, impl_->logical[col], row);
      return static_cast<double>(raw) / std::pow(10.0, duckdb_decimal_scale(impl_->logical[col]));
    }
    default:
      return static_cast<double>(get<int64_t>(col, row));
  }
}

template <>
Date Chunk::get<Date>(std::size_t col, std::size_t row) const {
  if (is_null(col, row)) throw EngineError("unexpected NULL");
  if (impl_->types[col] != DUCKDB_TYPE_DATE) type_mismatch("DATE", impl_->logical[col]);
  return Date{raw_at<int32_t>(impl_->vectors[col], row)};
}

template <>
Timestamp Chunk::get<Timestamp>(std::size_t col, std::size_t row) const {
  if (is_null(col, row)) throw EngineError("unexpected NULL");
  duckdb_vector v = impl_->vectors[col];
  switch (impl_->types[col]) {
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return Timestamp{raw_at<int64_t>(v, row)};
    case DUCKDB_TYPE_TIMESTAMP_S:
      return Timestamp{raw_at<int64_t>(v, row) * 1000000};
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return Timestamp{raw_at<int64_t>(v, row) * 1000};
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return Timestamp{raw_at<int64_t>(v, row) / 1000};
    case DUCKDB_TYPE_DATE:
      return Timestamp{int64_t{raw_at<int32_t>(v, row)} * 86400 * 1000000};
    default:
      type_mismatch("TIMESTAMP", impl_->logical[col]);
  }
}

template <>
std::string_view Chunk::get<std::string_view>(std::size_t col, std::size_t row) const {
  if (is_null(col, row)) throw EngineError("unexpected NULL");
  auto t = impl_->types[col];
  if (t != DUCKDB_TYPE_VARCHAR && t != DUCKDB_TYPE_BLOB) type_mismatch("text", impl_->logical[col]);
  auto* s = static_cast<duckdb_string_t*>(duckdb_vector_get_data(impl_->vectors[col])) + row;
  return std::string_view(duckdb_string_t_data(s), duckdb_string_t_length(*s));
}

// Text of any scalar value, spelled as DuckDB casts it to VARCHAR for the common types.
template <>
std::string Chunk::get<std::string>(std::size_t col, std::size_t row) const {
  if (is_null(col, row)) throw EngineError("unexpected NULL");
  duckdb_vector v = impl_->vectors[col];
  duckdb_logical_type type = impl_->logical[col];
  switch (impl_->types[col]) {
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB:
      return std::string(get<std::string_view>(col, row));
    case DUCKDB_TYPE_BOOLEAN:
      return raw_at<bool>(v, row) ? "true" : "false";
    case DUCKDB_TYPE_UBIGINT:
      return std::to_string(raw_at<uint64_t>(v, row));
    case DUCKDB_TYPE_HUGEINT: {
      auto h = raw_at<duckdb_hugeint>(v, row);
      return hugeint_to_string((static_cast<int128>(h.upper) << 64) | static_cast<int128>(h.lower));
    }
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
      return std::to_string(get<int64_t>(col, row));
    case DUCKDB_TYPE_FLOAT:
      return double_to_string(raw_at<float>(v, row));
    case DUCKDB_TYPE_DOUBLE:
      return double_to_string(raw_at<double>(v, row));
    case DUCKDB_TYPE_DECIMAL:
      return decimal_to_string(decimal_raw(v, type, row), duckdb_decimal_scale(type));
    case DUCKDB_TYPE_DATE:
      return get<Date>(col, row).to_string();
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return get<Timestamp>(col, row).to_string();
    case DUCKDB_TYPE_ENUM: {
      uint32_t index;
      switch (duckdb_enum_internal_type(type)) {
        case DUCKDB_TYPE_UTINYINT:
          index = raw_at<uint8_t>(v, row);
          break;
        case DUCKDB_TYPE_USMALLINT:
          index = raw_at<uint16_t>(v, row);
          break;
        default:
          index = raw_at<uint32_t>(v, row);
          break;
      }
      return take_string(duckdb_enum_dictionary_value(type, index));
    }
    default:
      type_mismatch("text (cast it to VARCHAR in SQL)", type);
  }
}

// ---------------------------------------------------------------------------------------------
// Result

struct Result::Impl {
  duckdb_result raw{};
  std::vector<std::string> names;
  std::vector<ColumnType> types;
  ~Impl() { duckdb_destroy_result(&raw); }
};

Result::Result(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Result::Result(Result&&) noexcept = default;
Result& Result::operator=(Result&&) noexcept = default;
Result::~Result() = default;

std::size_t Result::column_count() const {
  return impl_->names.size();
}
const std::string& Result::column_name(std::size_t col) const {
  return impl_->names.at(col);
}
const ColumnType& Result::column_type(std::size_t col) const {
  return impl_->types.at(col);
}
std::uint64_t Result::rows_changed() const {
  return duckdb_rows_changed(&impl_->raw);
}

std::optional<Chunk> Result::next_chunk() {
  duckdb_data_chunk raw = duckdb_fetch_chunk(impl_->raw);
  if (!raw) return std::nullopt;
  auto impl = std::make_unique<Chunk::Impl>();
  impl->chunk = raw;
  impl->size = duckdb_data_chunk_get_size(raw);
  if (impl->size == 0) return std::nullopt;
  idx_t n = duckdb_data_chunk_get_column_count(raw);
  for (idx_t i = 0; i < n; ++i) {
    duckdb_vector v = duckdb_data_chunk_get_vector(raw, i);
    impl->vectors.push_back(v);
    impl->validity.push_back(duckdb_vector_get_validity(v));
    impl->logical.push_back(duckdb_vector_get_column_type(v));
    impl->types.push_back(duckdb_get_type_id(impl->logical.back()));
  }
  return Chunk(std::move(impl));
}

std::vector<std::vector<std::optional<std::string>>> Result::rows_as_text() {
  std::vector<std::vector<std::optional<std::string>>> rows;
  while (auto chunk = next_chunk()) {
    for (std::size_t r = 0; r < chunk->size(); ++r) {
      auto& row = rows.emplace_back();
      for (std::size_t c = 0; c < chunk->column_count(); ++c)
        row.push_back(chunk->get_optional<std::string>(c, r));
    }
  }
  return rows;
}

Result detail::adopt_result(duckdb_result& raw, duckdb_state state, const std::string& context) {
  auto impl = std::make_unique<Result::Impl>();
  impl->raw = raw;  // owned from here on, destroyed by Impl
  raw = duckdb_result{};
  if (state == DuckDBError) {
    const char* message = duckdb_result_error(&impl->raw);
    bool interrupted = duckdb_result_error_type(&impl->raw) == DUCKDB_ERROR_INTERRUPT;
    std::string text = message ? message : "unknown DuckDB error";
    throw EngineError(context.empty() ? text : context + ": " + text, interrupted);
  }
  idx_t n = duckdb_column_count(&impl->raw);
  for (idx_t i = 0; i < n; ++i) {
    impl->names.emplace_back(duckdb_column_name(&impl->raw, i));
    duckdb_logical_type t = duckdb_column_logical_type(&impl->raw, i);
    impl->types.push_back(describe_type(t));
    duckdb_destroy_logical_type(&t);
  }
  return Result(std::move(impl));
}

}  // namespace pond::engine
