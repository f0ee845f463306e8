#pragma once
// The DuckDB query that reads a resource's files with DuckDB's own readers (read_csv,
// read_json, read_parquet): the speed of ingestion is theirs.
#include <string>
#include <vector>

#include "ingest/resource.hpp"
#include "ingest/source_files.hpp"

namespace pond::ingest {

// The format of the resource's files (`format:` or the path's extension); UserError otherwise.
FileFormat resource_format(const ResourceConfig& r);

// SELECT of the files' rows (columns by name across files), with `columns:` casts applied.
// `with_filename`: a `filename` column naming each row's file.
std::string reader_sql(const ResourceConfig& r, const std::vector<SourceFile>& files,
                       bool with_filename = false);

// CSV only: the same read with detection off and every column VARCHAR (`column_count` of them),
// so that a file whose dialect cannot be detected reports the line that breaks it.
std::string strict_csv_sql(const ResourceConfig& r, const SourceFile& file, std::size_t column_count);

}  // namespace pond::ingest
