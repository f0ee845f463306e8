#include "storage/glob.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace pond::storage {

bool is_glob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

namespace {

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    out.emplace_back(
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool match_from(const std::vector<std::string>& pattern, std::size_t p, const std::vector<std::string>& path,
                std::size_t i) {
  while (p < pattern.size()) {
    if (pattern[p] == "**") {
      // Any number of segments, none included; the remaining pattern must match the rest.
      for (std::size_t skip = i; skip <= path.size(); ++skip)
        if (match_from(pattern, p + 1, path, skip)) return true;
      return false;
    }
    if (i >= path.size() || ::fnmatch(pattern[p].c_str(), path[i].c_str(), 0) != 0) return false;
    ++p;
    ++i;
  }
  return i == path.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  return match_from(segments(pattern), 0, segments(path), 0);
}

std::string glob_folder(std::string_view pattern) {
  std::string_view head = pattern.substr(0, pattern.find_first_of("*?["));
  std::size_t slash = head.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(head.substr(0, slash + 1));
}

std::vector<FileEntry> glob(const FileSystem& files, const std::string& pattern) {
  const std::string folder = glob_folder(pattern);
  const std::string rest = pattern.substr(folder.size());
  std::vector<FileEntry> out;
  for (FileEntry& f : files.list(folder)) {
    if (!glob_match(rest, f.relative_path)) continue;
    f.relative_path = folder + f.relative_path;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.relative_path < b.relative_path; });
  return out;
}

}  // namespace pond::storage
