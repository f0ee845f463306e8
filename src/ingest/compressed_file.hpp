#pragma once
// DuckDB's readers stop quietly at the end of a truncated gzip or zstd stream (a cut-off
// .csv.gz reads as fewer rows, not as an error). Ingestion checks each compressed file whole
// before it is loaded, so a truncated upload is an error, never a short load.
#include <string>

#include "ingest/resource.hpp"
#include "ingest/source_files.hpp"

namespace pond::ingest {

// The compression of a file: `configured`, or (auto) its extension's.
Compression compression_of(const SourceFile& file, Compression configured);

// Throws UserError (exit 1) naming the resource, the file and the byte offset where the stream
// breaks when a gzip (every member) or zstd (every frame) file is truncated or corrupt.
void check_compressed_file(const std::string& resource, const SourceFile& file, Compression compression);

}  // namespace pond::ingest
