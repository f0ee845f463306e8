#pragma once
// A file mapped read-only into memory, for uploads: its bytes are hashed (SigV4 over plain HTTP)
// and handed to libcurl straight from the page cache, without reading the whole file (or part)
// into a buffer first, which on a large upload costs a zero-filled allocation and a copy.
#include <cstddef>
#include <filesystem>
#include <string_view>

namespace pond::storage {

class MappedFile {
 public:
  // Throws UserError naming the file when it cannot be opened or mapped. The file must not be
  // truncated while mapped (uploads read finished staging files that only pond writes).
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace pond::storage
