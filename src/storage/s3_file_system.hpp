#pragma once
// The lake's files on an S3-compatible object store: the FileSystem interface over S3Client,
// with a local cache for reads and local staging for writes (DuckDB reads and writes local files).
#include <filesystem>
#include <memory>
#include <mutex>

#include "storage/file_system.hpp"
#include "storage/s3_client.hpp"

namespace pond::storage {

// Files under s3://bucket/prefix/. The cache is keyed by path + ETag: each cached copy records
// the ETag of the version it holds (a sidecar under etags/), so a reader that knows which
// version it wants (ingestion: the ETag listed) gets that one; the lake's data files are
// immutable, so any cached copy of one is valid. The cache is bounded (least recently used
// copies go first).
class S3FileSystem : public FileSystem {
 public:
  // `root`: "s3://bucket/prefix/"; `local_dir`: where the cache and staging folders live.
  S3FileSystem(std::shared_ptr<S3Client> client, const std::string& root, std::filesystem::path local_dir,
               std::uint64_t cache_bytes = 10ull << 30);

  std::string full_path(const std::string& relative) const override;
  bool exists(const std::string& relative) const override;
  std::uint64_t size(const std::string& relative) const override;
  void remove(const std::string& relative) override;
  void create_dirs(const std::string& relative) override;
  std::vector<FileEntry> list(const std::string& relative) const override;
  std::optional<FileEntry> stat(const std::string& relative) const override;
  bool folder_exists(const std::string& relative) const override;
  std::string where() const override;
  void check_writable(const std::string& relative) override;
  void write_atomic(const std::string& relative, std::string_view content) override;

  bool is_local() const override { return false; }
  std::string local_copy(const std::string& path) override;
  LocalCopy local_version(const std::string& path, const std::string& etag) override;
  std::string staging_path(const std::string& path) override;
  void publish(const std::string& path) override;
  void discard_staged(const std::string& path) override;

  const std::string& bucket() const { return bucket_; }

 private:
  std::string key_of(const std::string& path) const;
  std::filesystem::path cache_file(const std::string& key) const;
  std::filesystem::path staging_file(const std::string& key) const;
  std::filesystem::path etag_file(const std::string& key) const;
  std::string cached_etag(const std::string& key) const;
  void remember_etag(const std::string& key, const std::string& etag);
  void evict();

  std::shared_ptr<S3Client> client_;
  std::string bucket_;
  std::string prefix_;  // "" or ending in '/'
  std::filesystem::path cache_dir_;
  std::filesystem::path staging_dir_;
  std::filesystem::path etag_dir_;
  std::uint64_t cache_bytes_;
  std::mutex cache_mutex_;
};

}  // namespace pond::storage
