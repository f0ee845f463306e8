#pragma once
// The files a resource's `path:` names now: each with the size and modification time that make
// it "the same file" for incremental loads (path + size + mtime, as dlt's filesystem source).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pond::engine {
class Connection;
}

namespace pond::ingest {

struct SourceFile {
  std::string path;  // as recorded: relative to the project folder when inside it
  std::filesystem::path full;
  std::int64_t size = 0;
  std::int64_t mtime_us = 0;  // microseconds since the epoch

  bool operator<(const SourceFile& o) const { return path < o.path; }
};

// The files matching `pattern` (a path or glob; relative to `root`), sorted by path. A literal
// path that does not exist, or a glob whose folder does not exist, is a UserError (exit 1) naming
// `resource`; a glob that matches nothing is an empty list. Globs are DuckDB's (`glob()`).
std::vector<SourceFile> list_source_files(engine::Connection& con, const std::string& resource,
                                          const std::string& pattern, const std::filesystem::path& root);

// Whether `pattern` holds glob characters.
bool is_glob(const std::string& pattern);

}  // namespace pond::ingest
