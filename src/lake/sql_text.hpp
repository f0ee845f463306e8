#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace pond::lake {

// "name" with embedded quotes doubled: a safe SQL identifier.
std::string quote_ident(std::string_view name);
// 'text' with embedded quotes doubled: a safe SQL string literal.
std::string quote_literal(std::string_view text);
// quote_literal, or NULL for nullopt.
std::string literal_or_null(const std::optional<std::string>& text);

// A query without trailing semicolons and whitespace, so it can be nested as a subquery.
std::string strip_query(std::string_view sql);

// Catalog text to numbers/booleans (SQLite gives 1/0, PostgreSQL t/f, DuckDB true/false).
std::int64_t to_int(const std::optional<std::string>& text, std::int64_t fallback = 0);
std::optional<std::int64_t> to_opt_int(const std::optional<std::string>& text);
bool to_bool(const std::optional<std::string>& text, bool fallback = false);

// The current UTC time as the catalogs store snapshot_time ("YYYY-MM-DD HH:MM:SS.ffffff+00").
std::string utc_now_text();
// A random (version 4) UUID in its canonical text form.
std::string random_uuid();

}  // namespace pond::lake
