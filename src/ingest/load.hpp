#pragma once
// One load of an ingestion resource into the lake: the files not loaded yet are read with
// DuckDB's readers and written to the resource's table by its disposition (append, replace,
// merge), with `_pond_load_id` and `_pond_loaded_at` on every row, in ONE lake commit together
// with the load's bookkeeping (load_state.hpp). A failure before the commit changes nothing.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ingest/partition_window.hpp"
#include "ingest/progress.hpp"
#include "ingest/resource.hpp"

namespace pond::engine {
class Connection;
}
namespace pond::lake {
class Lake;
}

namespace pond::ingest {

struct LoadOptions {
  std::filesystem::path project_root;
  std::string run_id;  // recorded in _pond_loads
  std::string holder;  // who holds the table's write lock (for a writer that waits)
  // A partitioned resource: the one partition this load reads and replaces.
  std::optional<PartitionWindow> partition;
  // Counts rows and bytes as the source is read (progress.hpp); may be null.
  LoadProgress* progress = nullptr;
};

struct LoadResult {
  std::string load_id;                   // empty: nothing was loaded (no new files)
  std::optional<std::int64_t> snapshot;  // the commit, when there was one
  std::int64_t rows = 0;
  std::int64_t rows_replaced = 0;     // merge: existing rows replaced; replace: rows removed
  std::int64_t rows_rejected = 0;     // on_bad_record: quarantine: records into <table>__rejected
  std::int64_t rows_discarded = 0;    // by the contract's discard_row (of the resource's table)
  std::int64_t values_discarded = 0;  // by its discard_value
  std::int64_t bytes = 0;             // of the files read
  std::vector<std::string> files;     // loaded now
  std::int64_t files_seen = 0;        // matching the path, loaded before included
  // from: rest
  std::int64_t pages = 0;
  std::int64_t requests = 0;  // retries and token requests included
  std::int64_t retries = 0;
  std::int64_t records_skipped = 0;  // at or before the last cursor value
  std::string cursor;                // the highest cursor value loaded now (JSON text)
  double seconds = 0;
};

LoadResult load_resource(lake::Lake& lake, engine::Connection& con, const ResourceConfig& resource,
                         const LoadOptions& options);

}  // namespace pond::ingest
