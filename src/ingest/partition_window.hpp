#pragma once
// The partition a load of a partitioned resource reads (`partitions:` in pond.yml): its key and,
// for a time dimension, its window. The orchestrator computes it from the run's partition scope
// (one window per partition); the loaders turn it into what their source understands: REST query
// parameters (`window: {since, until, key, format}`), a PostgreSQL condition (`window: {column}`),
// a file path (`{partition}`, `{date}` in `path:`). docs/ingest.md "Partitioned resources".
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pond::ingest {

struct PartitionWindow {
  std::string key;  // "2024-01-01", "eu", "2024-01-01|eu": what _pond_partition holds
  // The time dimension's window [start, end), epoch seconds, with its local wall times
  // ("YYYY-MM-DD HH:MM:SS" in the definition's time zone). Unset: no time dimension.
  std::optional<std::int64_t> start, end;
  std::string start_local, end_local;
  std::string list_key;  // the list (static/dynamic) dimension's key, or ""
};

// `window:` of a REST resource: which query parameters carry the partition.
enum class WindowFormat { kIso8601, kDate, kUnix, kUnixMs };
struct RestWindow {
  std::string since_param;  // the window's start
  std::string until_param;  // its end (exclusive)
  std::string key_param;    // the list dimension's key (or, without a time dimension, the key)
  WindowFormat format = WindowFormat::kIso8601;
};

// A window bound in `format`: "2024-01-01T00:00:00Z" (UTC), "2024-01-01" (the local date),
// "1704067200", "1704067200000".
std::string format_bound(std::int64_t epoch, const std::string& local, WindowFormat format);

// The query parameters of a REST window.
std::vector<std::pair<std::string, std::string>> rest_window_params(const RestWindow& w,
                                                                    const PartitionWindow& p);

// A local wall time with its offset from UTC ("2024-01-01 00:00:00+01:00"): a PostgreSQL literal
// that reads right as a date, a timestamp (its local time) and a timestamptz (its instant).
std::string local_with_offset(std::int64_t epoch, const std::string& local);

// The PostgreSQL condition selecting a partition's rows: the time window as `column >= start AND
// column < end`, the key of a definition without a time dimension as `column = 'key'`, and the
// list key of a two-dimensional one as `key_column = 'key'` (columns quoted; key_column may be
// empty).
std::string postgres_window_where(const std::string& column, const std::string& key_column,
                                  const PartitionWindow& p);

// `path:` with `{partition}` (the key) and `{date}` (the window's local start date) filled in.
std::string path_for_partition(const std::string& path, const PartitionWindow& p);
// Whether `path:` names a partition (`{partition}` or `{date}`).
bool path_has_partition(const std::string& path);

}  // namespace pond::ingest
