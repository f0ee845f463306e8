#pragma once
// A file in the temporary folder that a load writes and reads, removed when the load is over
// (committed or not). A kill -9 leaves it behind in $TMPDIR (named pond-*).
#include <filesystem>
#include <string>
#include <system_error>

#include "common/uuid.hpp"

namespace pond::ingest {

class TempFile {
 public:
  explicit TempFile(const std::string& prefix, const std::string& extension)
      : path_(std::filesystem::temp_directory_path() / (prefix + random_uuid() + extension)) {}
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace pond::ingest
