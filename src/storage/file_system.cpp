#include "storage/file_system.hpp"

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
  for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto written = it->last_write_time(ec);
    auto modified = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
        written - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
    out.push_back({fs::relative(it->path(), base).generic_string(), it->file_size(), modified});
  }
  std::sort(out.begin(), out.end(),
            [](const FileEntry& x, const FileEntry& y) { return x.relative_path < y.relative_path; });
  return out;
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
