#include "storage/file_system.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "common/file_write.hpp"

namespace pond::storage {

namespace fs = std::filesystem;

std::string join_path(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  if (a.back() == '/') return b.front() == '/' ? a + b.substr(1) : a + b;
  return b.front() == '/' ? a + b : a + "/" + b;
}

namespace {

// The exact modification time (std::filesystem's clock would need a conversion that is off by
// the microseconds between two now() calls: incremental loads compare times exactly).
std::chrono::system_clock::time_point modified_of(const struct stat& st) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

}  // namespace

LocalFileSystem::LocalFileSystem(fs::path root) : root_(std::move(root)) {}

std::string LocalFileSystem::full_path(const std::string& relative) const {
  if (relative.empty()) return root_.string();
  fs::path p(relative);
  if (p.is_absolute()) return relative;
  return (root_ / p).string();
}

bool LocalFileSystem::exists(const std::string& relative) const {
  std::error_code ec;
  return fs::exists(full_path(relative), ec);
}

std::uint64_t LocalFileSystem::size(const std::string& relative) const {
  std::error_code ec;
  auto s = fs::file_size(full_path(relative), ec);
  if (ec) throw std::runtime_error("cannot read the size of " + full_path(relative) + ": " + ec.message());
  return s;
}

void LocalFileSystem::remove(const std::string& relative) {
  std::error_code ec;
  fs::remove(full_path(relative), ec);
  if (ec) throw std::runtime_error("cannot remove " + full_path(relative) + ": " + ec.message());
}

void LocalFileSystem::create_dirs(const std::string& relative) {
  std::error_code ec;
  fs::create_directories(full_path(relative), ec);
  if (ec) throw std::runtime_error("cannot create folder " + full_path(relative) + ": " + ec.message());
}

std::vector<FileEntry> LocalFileSystem::list(const std::string& relative) const {
  std::vector<FileEntry> out;
  fs::path base(full_path(relative));
  std::error_code ec;
  if (!fs::is_directory(base, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(base, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    // Regular files (symlinks followed); one gone while listing is left out.
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    out.push_back({it->path().lexically_relative(base).generic_string(),
                   static_cast<std::uint64_t>(st.st_size), modified_of(st), ""});
  }
  std::sort(out.begin(), out.end(),
            [](const FileEntry& x, const FileEntry& y) { return x.relative_path < y.relative_path; });
  return out;
}

std::optional<FileEntry> LocalFileSystem::stat(const std::string& relative) const {
  struct stat st {};
  if (::stat(full_path(relative).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileEntry{relative, static_cast<std::uint64_t>(st.st_size), modified_of(st), ""};
}

bool LocalFileSystem::folder_exists(const std::string& relative) const {
  std::error_code ec;
  return fs::is_directory(full_path(relative), ec);
}

void LocalFileSystem::check_writable(const std::string& relative) {
  create_dirs(relative);
  fs::path probe = fs::path(full_path(relative)) / ".pond-write-probe";
  {
    std::ofstream f(probe);
    if (!f) throw std::runtime_error("data path " + full_path(relative) + " is not writable");
  }
  std::error_code ec;
  fs::remove(probe, ec);
}

void LocalFileSystem::write_atomic(const std::string& relative, std::string_view content) {
  write_file_atomically(full_path(relative), content);
}

}  // namespace pond::storage
