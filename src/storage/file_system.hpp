#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::storage {

// One file found by FileSystem::list: its path relative to the listed folder, its size and when
// it was last written (orphan cleanup keeps young files: they may belong to a commit in flight).
struct FileEntry {
  std::string relative_path;  // '/'-separated
  std::uint64_t size = 0;
  std::chrono::system_clock::time_point modified;  // exact (local: the file's mtime to the ns)
  std::string etag;                                // an object store's version tag; "" on local disk
};

// A local file holding one version of a (remote) file: its path and the version's ETag ("" on
// local disk, where the file is the only version).
struct LocalCopy {
  std::string path;
  std::string etag;
};

// Where pond keeps immutable files (lake data files). Paths are '/'-separated and relative to
// the file system's root; an absolute path or URL is taken as it is. Local disk now; object
// stores implement the same interface (the lake, ingestion and sensors use only this).
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The location DuckDB reads and writes for `relative` (a local path or an URL).
  virtual std::string full_path(const std::string& relative) const = 0;
  virtual bool exists(const std::string& relative) const = 0;
  virtual std::uint64_t size(const std::string& relative) const = 0;
  // Removes a file; a missing file is not an error (removal is idempotent).
  virtual void remove(const std::string& relative) = 0;
  // Creates the folder (and its parents) that files under `relative` go to.
  virtual void create_dirs(const std::string& relative) = 0;
  // Every file below `relative` (recursively), sorted by path.
  virtual std::vector<FileEntry> list(const std::string& relative) const = 0;
  // The file `relative` (relative_path: `relative`), or nullopt when there is none.
  virtual std::optional<FileEntry> stat(const std::string& relative) const = 0;
  // Whether `relative` is a folder (an object store: whether any key is below it).
  virtual bool folder_exists(const std::string& relative) const = 0;
  // " at <endpoint>" for a remote store (for messages that name where a path was looked for).
  virtual std::string where() const { return ""; }
  // Throws std::runtime_error naming the folder when files cannot be created there.
  virtual void check_writable(const std::string& relative) = 0;
  // Writes a whole file so that readers see the old content or the new one, never a part.
  virtual void write_atomic(const std::string& relative, std::string_view content) = 0;

  // DuckDB reads and writes only local files here (no httpfs), so an object store works
  // through local copies. The defaults are those of local disk: the file itself.
  virtual bool is_local() const { return true; }
  // A local file with the content of the immutable file `path` (an object store's is a
  // cached download).
  virtual std::string local_copy(const std::string& path) { return full_path(path); }
  // A local file with the version `etag` of a file that may change (an ingestion source): a
  // cached copy is used only when it is of that version, else the file is fetched again; the
  // result names the version actually read (the file may have changed since it was listed).
  // `etag` "" takes any version. Local disk: the file itself.
  virtual LocalCopy local_version(const std::string& path, const std::string& /*etag*/) {
    return {full_path(path), ""};
  }
  // Where DuckDB writes what becomes `path` (a file, or a folder when it ends in '/'): a
  // staging place for an object store, which publish() then uploads.
  virtual std::string staging_path(const std::string& path) { return full_path(path); }
  // Makes the staged file of `path` visible at `path`: uploads it (local disk: nothing to do).
  virtual void publish(const std::string& /*path*/) {}
  // Drops whatever staging_path(path) holds (a failed or interrupted write).
  virtual void discard_staged(const std::string& /*path*/) {}
};

// Files on local disk below a root folder.
class LocalFileSystem : public FileSystem {
 public:
  explicit LocalFileSystem(std::filesystem::path root);
  const std::filesystem::path& root() const { return root_; }

  std::string full_path(const std::string& relative) const override;
  bool exists(const std::string& relative) const override;
  std::uint64_t size(const std::string& relative) const override;
  void remove(const std::string& relative) override;
  void create_dirs(const std::string& relative) override;
  std::vector<FileEntry> list(const std::string& relative) const override;
  std::optional<FileEntry> stat(const std::string& relative) const override;
  bool folder_exists(const std::string& relative) const override;
  void check_writable(const std::string& relative) override;
  void write_atomic(const std::string& relative, std::string_view content) override;

 private:
  std::filesystem::path root_;
};

// Joins '/'-separated path pieces without doubling separators ("a/" + "b" = "a/b").
std::string join_path(const std::string& a, const std::string& b);

}  // namespace pond::storage
