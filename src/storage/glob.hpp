#pragma once
// Globs over any FileSystem: the same matching for local folders and object stores (which
// have no glob of their own: a prefix is listed and its keys matched).
#include <string>
#include <string_view>
#include <vector>

#include "storage/file_system.hpp"

namespace pond::storage {

// Whether `pattern` holds glob characters (`*`, `?`, `[`).
bool is_glob(std::string_view pattern);

// Whether the '/'-separated `path` matches `pattern`: `*` and `?` and `[...]` within one path
// segment (fnmatch), `**` as a whole segment for any number of segments (none included).
bool glob_match(std::string_view pattern, std::string_view path);

// The folder part of `pattern` before its first glob character ("landing/a/*.csv" ->
// "landing/a/", "*.csv" -> "").
std::string glob_folder(std::string_view pattern);

// The files of `files` whose path matches `pattern` (relative to the file system's root or
// absolute, as FileSystem paths are), sorted by path; each entry's relative_path is its path
// as `pattern` spells it (the folder part joined with the listed path).
std::vector<FileEntry> glob(const FileSystem& files, const std::string& pattern);

}  // namespace pond::storage
