#pragma once
// Files incremental by a cursor column (`incremental: {cursor: COLUMN, initial: VALUE}`): every
// matching file is read, and only rows past the last load's highest cursor value are loaded; the
// new highest value goes into `_pond_load_cursors` in the same commit as the rows
// (docs/ingest.md "Incremental by a cursor column").
#include <optional>
#include <string>
#include <vector>

#include "ingest/load_internal.hpp"

namespace pond::ingest {

struct FilesCursor {
  std::string filter;      // the rows to load: past the last value, up to `max` (SQL over the files' columns)
  std::string value_json;  // the highest value among them (JSON: a number, else a string)
  std::int64_t skipped = 0;  // rows at or before the last value
};

// The rows of `files` past the stored cursor, or nullopt when there is none (nothing to load).
// Throws UserError (the resource, the column) when the cursor is not a column of the files or a
// row has no value in it.
std::optional<FilesCursor> files_cursor(lake::Lake& lake, engine::Connection& con, const ResourceConfig& r,
                                        const std::vector<SourceFile>& files);

}  // namespace pond::ingest
