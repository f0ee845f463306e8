#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/handles.hpp"
#include "engine/types.hpp"

namespace pond::engine {

// One chunk (up to 2048 rows) of a result, with typed access by column and row.
// get<T> converts between numeric types where no precision is lost and throws
// EngineError on a type mismatch or a NULL; use is_null or get_optional first.
class Chunk {
 public:
  Chunk(Chunk&&) noexcept;
  Chunk& operator=(Chunk&&) noexcept;
  ~Chunk();

  std::size_t size() const;
  std::size_t column_count() const;
  bool is_null(std::size_t col, std::size_t row) const;

  template <typename T>
  T get(std::size_t col, std::size_t row) const;
  template <typename T>
  std::optional<T> get_optional(std::size_t col, std::size_t row) const {
    if (is_null(col, row)) return std::nullopt;
    return get<T>(col, row);
  }

 private:
  friend class Result;
  struct Impl;
  explicit Chunk(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The types Chunk::get supports (defined in result.cpp).
template <>
bool Chunk::get<bool>(std::size_t, std::size_t) const;
template <>
int32_t Chunk::get<int32_t>(std::size_t, std::size_t) const;
template <>
int64_t Chunk::get<int64_t>(std::size_t, std::size_t) const;
template <>
double Chunk::get<double>(std::size_t, std::size_t) const;
template <>
Date Chunk::get<Date>(std::size_t, std::size_t) const;
template <>
Timestamp Chunk::get<Timestamp>(std::size_t, std::size_t) const;
template <>
std::string_view Chunk::get<std::string_view>(std::size_t, std::size_t) const;
template <>
std::string Chunk::get<std::string>(std::size_t, std::size_t) const;

// A query result: column names and types, then its rows chunk by chunk (next_chunk),
// or all at once for small results (rows_as_text). Move-only; frees DuckDB's result.
class Result {
 public:
  Result(Result&&) noexcept;
  Result& operator=(Result&&) noexcept;
  ~Result();

  std::size_t column_count() const;
  const std::string& column_name(std::size_t col) const;
  const ColumnType& column_type(std::size_t col) const;
  // Rows changed by INSERT/UPDATE/DELETE (0 for queries).
  std::uint64_t rows_changed() const;

  // The next chunk, or nullopt when the result is exhausted.
  std::optional<Chunk> next_chunk();

  // Convenience for small results: every remaining row, each value as text (NULL = nullopt).
  // Only for columns whose types Chunk::get<std::string> supports.
  std::vector<std::vector<std::optional<std::string>>> rows_as_text();

  // Opaque; made by the engine from a raw DuckDB result (result_internal.hpp).
  struct Impl;
  explicit Result(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pond::engine
