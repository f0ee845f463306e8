#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pond {

// Edit distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo, else "".
std::string closest_match(std::string_view word, std::span<const std::string> candidates);

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with_icase(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

// SQL quoting, as DuckDB, SQLite and PostgreSQL read it: "name" with embedded quotes doubled,
// and 'text' with embedded single quotes doubled.
std::string quote_identifier(std::string_view name);
std::string quote_literal(std::string_view text);
// SQL without leading whitespace and trailing semicolons/whitespace, so that it nests as a subquery.
std::string strip_statement(std::string_view sql);

}  // namespace pond
