#pragma once
// The files a resource's `path:` names now, on local disk or an object store (s3://...), each
// with what makes it "the same file" for incremental loads: path + size + mtime on local disk
// (as dlt's filesystem source), key + ETag on an object store. Both go through
// storage::FileSystem: one listing, one glob, one way to get a local copy DuckDB can read.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/file_system.hpp"

namespace pond::lake {
class Lake;
}

namespace pond::ingest {

struct SourceFile {
  std::string path;            // as recorded: relative to the project folder when inside it; s3://bucket/key
  std::filesystem::path full;  // the local file DuckDB reads (fetch_source_files sets it)
  std::int64_t size = 0;
  std::int64_t mtime_us = 0;  // microseconds since the epoch
  std::string etag;           // an object's ETag; "" for a local file

  bool operator<(const SourceFile& o) const { return path < o.path; }
  // What makes two listings "the same file": path + ETag for an object, else path + size + mtime.
  std::string identity() const;
};

// Where a resource's files are: the file system of `path:` and the pattern relative to it.
struct SourceLocation {
  std::unique_ptr<storage::FileSystem> files;
  std::string pattern;
};

// Local paths (relative to `root`, or absolute) are on local disk; s3://bucket/key... is on the
// object store of the lake's `s3:` settings (endpoint, credentials, cache). Another URL scheme
// is a UserError.
SourceLocation open_source(lake::Lake& lake, const std::string& resource, const std::string& path,
                           const std::filesystem::path& root);

// The files matching the pattern (a path or glob: `*`, `?`, `[...]` within a segment, `**`
// across segments), sorted by path. A literal path that does not exist, or a glob whose folder
// (an object store: prefix) holds nothing, is a UserError (exit 1) naming `resource` and where
// it looked; a glob that matches nothing is an empty list.
std::vector<SourceFile> list_source_files(const SourceLocation& source, const std::string& resource,
                                          const std::filesystem::path& root);

// Makes a local copy of each file (an object store's is downloaded into the lake's cache, or
// taken from it when the cached copy has the listed ETag) and sets `full`. An object that
// changed since it was listed is read as it is now, and its ETag and size are updated, so
// that what is recorded is what was read.
void fetch_source_files(storage::FileSystem& files, std::vector<SourceFile>& source_files);

}  // namespace pond::ingest
