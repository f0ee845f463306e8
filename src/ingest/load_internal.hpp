#pragma once
// The commit shared by every kind of source: the rows read from `files` (as `reader` says) go
// into the resource's table with the load's columns, together with its bookkeeping, in one
// lake commit (load.cpp).
#include <functional>
#include <string>
#include <vector>

#include "ingest/load.hpp"
#include "ingest/load_state.hpp"
#include "ingest/quarantine.hpp"
#include "ingest/resource.hpp"
#include "lake/lake.hpp"

namespace pond::ingest {

struct CommitPlan {
  const ResourceConfig* resource = nullptr;  // the table, the disposition
  const ResourceConfig* reader = nullptr;    // how `files` are read (REST: as JSON lines)
  std::vector<SourceFile> files;
  // Set: the rows' SELECT (with a `filename` column when asked) instead of reading `files`.
  std::function<std::string(bool with_filename)> select;
  LoadRecord record;
  std::vector<lake::TableWrite> bookkeeping;  // after the table and its _pond_loads row
  // A read of `files` that fails (when binding the query or while writing): throws the error.
  std::function<void(const std::string& failure)> read_failed;
  RecordSources record_sources;  // REST: the page of each record (on_bad_record: quarantine)
};

// Writes the plan in one commit, with the load's id, snapshot and row counts put into `result`.
void commit_into(lake::Lake& lake, engine::Connection& con, CommitPlan plan, LoadResult& result);

// " (N rejected into <table>__rejected)" when a quarantining load set records apart, and what the
// contract discarded, for the log line of a load ("" when nothing).
std::string rejected_note(const LoadResult& result, const std::string& table);

// A partitioned `write: replace` load whose window brought nothing (no record, no file): the
// partition is now empty, so its rows are deleted, in one commit with the load's _pond_loads row.
// Returns false (nothing committed) when the resource is not such a load or its table does not
// exist yet.
bool commit_empty_partition(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                            const LoadOptions& o, LoadResult& result);

// Whether the lake holds `schema`.`name`.
bool lake_has_table(lake::Lake& lake, const std::string& schema, const std::string& name);

// A load of a `from: rest` resource (rest_load.cpp), under the locks load_resource took.
LoadResult load_rest(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                     const LoadOptions& o);
// A load of a `from: postgres` resource (postgres_load.cpp), likewise.
LoadResult load_postgres(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                         const LoadOptions& o);
// A load of a `from: delta` resource (delta_load.cpp), under the same locks.
LoadResult load_delta(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                      const LoadOptions& o);

}  // namespace pond::ingest
