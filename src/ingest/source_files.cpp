#include "ingest/source_files.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "lake/lake.hpp"
#include "storage/glob.hpp"
#include "storage/s3_client.hpp"

namespace pond::ingest {

namespace fs = std::filesystem;

std::string SourceFile::identity() const {
  if (!etag.empty()) return path + '\n' + etag;
  return path + '\n' + std::to_string(size) + '\n' + std::to_string(mtime_us);
}

SourceLocation open_source(lake::Lake& lake, const std::string& resource, const std::string& path,
                           const fs::path& root) {
  if (auto url = storage::parse_s3_url(path)) {
    if (url->bucket.empty())
      throw UserError("ingest resource '" + resource + "': '" + path + "' names no bucket",
                      "write it as s3://bucket/prefix/*.csv", ExitCode::kStepFailed);
    return {lake.open_files("s3://" + url->bucket + "/"), url->key};
  }
  if (path.find("://") != std::string::npos)
    throw UserError("ingest resource '" + resource + "': '" + path + "' is on a store pond does not read",
                    "use a local path or s3://bucket/prefix/...", ExitCode::kStepFailed);
  return {std::make_unique<storage::LocalFileSystem>(root), path};
}

namespace {

std::int64_t micros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

SourceFile describe(const storage::FileSystem& files, const storage::FileEntry& e, const fs::path& root) {
  SourceFile f;
  f.size = static_cast<std::int64_t>(e.size);
  f.mtime_us = micros(e.modified);
  f.etag = e.etag;
  if (!files.is_local()) {
    f.path = files.full_path(e.relative_path);
    return f;
  }
  fs::path full = fs::path(files.full_path(e.relative_path)).lexically_normal();
  fs::path rel = full.lexically_relative(root.lexically_normal());
  bool inside = !rel.empty() && *rel.begin() != "..";
  f.path = inside ? rel.generic_string() : full.generic_string();
  f.full = full;
  return f;
}

}  // namespace

std::vector<SourceFile> list_source_files(const SourceLocation& source, const std::string& resource,
                                          const fs::path& root) {
  const storage::FileSystem& files = *source.files;
  const std::string& pattern = source.pattern;
  const std::string where = files.where();
  std::vector<SourceFile> out;
  if (!storage::is_glob(pattern)) {
    auto entry = files.stat(pattern);
    if (!entry) {
      bool folder = files.folder_exists(pattern);
      throw UserError("ingest resource '" + resource + "': no file " + files.full_path(pattern) + where,
                      folder
                          ? "'path:' must name files (a folder's files: " + pattern + "/*)"
                          : (files.is_local() ? "check 'path:' in pond.yml (relative to the project folder)"
                                              : "check 'path:' in pond.yml (the bucket and the key)"),
                      ExitCode::kStepFailed);
    }
    out.push_back(describe(files, *entry, root));
    return out;
  }
  auto matched = storage::glob(files, pattern);
  // The folder before the first glob character must exist (an object store: hold objects): a
  // typo there is not "no new files".
  const std::string folder = storage::glob_folder(pattern);
  if (matched.empty() && !files.folder_exists(folder))
    throw UserError("ingest resource '" + resource + "': " +
                        (files.is_local() ? "no folder " : "no object under ") + files.full_path(folder) +
                        where + " (path: " + (files.is_local() ? pattern : files.full_path(pattern)) + ")",
                    files.is_local() ? "check 'path:' in pond.yml (relative to the project folder)"
                                     : "check the bucket and prefix of 'path:' in pond.yml",
                    ExitCode::kStepFailed);
  for (const auto& e : matched) out.push_back(describe(files, e, root));
  std::sort(out.begin(), out.end());
  return out;
}

void fetch_source_files(storage::FileSystem& files, std::vector<SourceFile>& source_files) {
  if (files.is_local()) return;  // `full` is the file itself
  for (SourceFile& f : source_files) {
    storage::LocalCopy copy = files.local_version(f.path, f.etag);
    f.full = copy.path;
    if (copy.etag != f.etag) {
      std::error_code ec;
      f.etag = copy.etag;
      f.size = static_cast<std::int64_t>(fs::file_size(f.full, ec));
    }
  }
}

}  // namespace pond::ingest
