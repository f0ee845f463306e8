#pragma once
// Reading a REST resource: every page, one after the other as its paginator says, until a
// stop condition (no next link/cursor, an empty page, the total reached, max_pages); the records
// of each page (at `records:`) written as JSON lines to a file that DuckDB's read_json then loads
// like any file. A paginator that loops (the same next cursor or URL twice, the same page again)
// is an error. With an incremental cursor, only records past the last load's value are kept.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/progress.hpp"
#include "ingest/resource.hpp"

namespace pond::ingest {

struct RestFetch {
  std::int64_t pages = 0;
  std::int64_t records = 0;  // written to the file
  std::int64_t skipped = 0;  // at or before the last cursor value
  std::int64_t requests = 0;
  std::int64_t retries = 0;
  std::int64_t bytes = 0;                    // of the response bodies
  std::optional<nlohmann::json> max_cursor;  // the highest cursor value written
  // Each page with records: the line of its first record in the file and its URL (secrets as ***).
  std::vector<std::pair<std::int64_t, std::string>> page_starts;
};

// Fetches every page of `r` and writes its records to `out` (JSON lines). `last_cursor`: the
// value the last load ended at (nullopt: the first load, which starts at `initial:`).
// `progress` (optional) counts the records written and the bytes of the bodies as pages arrive.
RestFetch fetch_rest(const ResourceConfig& r, const std::optional<nlohmann::json>& last_cursor,
                     const std::filesystem::path& out, LoadProgress* progress = nullptr);

// The value at a dotted `path` (object keys; a number indexes a list) of `doc`, or nullptr.
const nlohmann::json* json_at(const nlohmann::json& doc, std::string_view path);

// Orders two cursor values: numbers by value, strings by their text (ISO 8601 times sort right).
// std::nullopt when they cannot be compared (a number and a string).
std::optional<int> compare_cursor(const nlohmann::json& a, const nlohmann::json& b);

// A cursor value as it is sent as a query parameter (a string without its quotes).
std::string cursor_text(const nlohmann::json& v);

}  // namespace pond::ingest
