#pragma once
// Result values in PostgreSQL's binary format (what pgjdbc asks for once a statement is
// prepared on the server): made from the value's PostgreSQL text format, so the text encoder in
// pg_types.cpp stays the one place that reads DuckDB values.
#include <cstdint>
#include <string>
#include <string_view>

namespace pond::serve {

// True for the type OIDs pond can send in binary format.
bool binary_result_supported(std::int32_t oid);

// The binary format of a value of type `oid` given in PostgreSQL's text format; throws
// SqlError 22P03 for text that is not a value of that type (an internal mismatch).
std::string binary_value(std::int32_t oid, std::string_view text);

}  // namespace pond::serve
