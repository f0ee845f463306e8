#pragma once
// Query results of the HTTP table API as JSON (an array of objects) or CSV (RFC 4180 with a
// header row), written in pieces so that a large result never sits whole in memory.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"
#include "engine/types.hpp"

namespace pond::serve {

enum class ResultFormat { kJson, kCsv, kParquet };

// The format an Accept header asks for (none or */*: JSON; application/vnd.apache.parquet,
// application/parquet or application/x-parquet: Parquet). Throws http::Error 406 for Arrow IPC
// and anything else not served, naming what is.
ResultFormat negotiate_format(std::string_view accept);
std::string content_type(ResultFormat format);

// Writes every remaining row of `result`. `types` are the columns' types before any VARCHAR cast
// (they decide JSON numbers and booleans). JSON and CSV only (Parquet: parquet_export.hpp). `write` gets
// pieces of about 64 KiB and returns false when the client went away (writing stops). Returns the number of
// rows written.
std::uint64_t write_result(engine::Result& result, const std::vector<std::string>& names,
                           const std::vector<engine::ColumnType>& types, ResultFormat format,
                           const std::function<bool(std::string_view)>& write);

}  // namespace pond::serve
