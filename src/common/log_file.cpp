#include "common/log_file.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.hpp"

namespace pond::log {

RotatingFile::RotatingFile(std::filesystem::path path, std::uint64_t max_bytes, int backups)
    : path_(std::move(path)), max_bytes_(max_bytes), backups_(backups) {
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec)
    throw UserError("cannot create the log folder " + path_.parent_path().string() + ": " + ec.message(),
                    "set another folder with --log-path (or DBT_LOG_PATH), or --log-level-file none");
  open();
}

void RotatingFile::open() {
  file_.reset(std::fopen(path_.c_str(), "ab"));
  if (!file_)
    throw UserError("cannot open the log file " + path_.string() + ": " + std::strerror(errno),
                    "set another folder with --log-path (or DBT_LOG_PATH), or --log-level-file none");
  std::error_code ec;
  auto size = std::filesystem::file_size(path_, ec);
  size_ = ec ? 0 : size;
}

void RotatingFile::rotate() {
  file_.reset();
  std::error_code ec;
  auto numbered = [&](int i) { return std::filesystem::path(path_.string() + "." + std::to_string(i)); };
  std::filesystem::remove(numbered(backups_), ec);
  for (int i = backups_ - 1; i >= 1; --i)
    if (std::filesystem::exists(numbered(i), ec)) std::filesystem::rename(numbered(i), numbered(i + 1), ec);
  if (backups_ > 0)
    std::filesystem::rename(path_, numbered(1), ec);
  else
    std::filesystem::remove(path_, ec);
  open();
}

void RotatingFile::write(std::string_view lines) {
  if (!file_) return;
  if (max_bytes_ > 0 && size_ > 0 && size_ + lines.size() > max_bytes_) {
    try {
      rotate();
    } catch (const UserError&) {
      return;  // the folder went away mid-run: the console still has every line
    }
  }
  std::fwrite(lines.data(), 1, lines.size(), file_.get());
  std::fflush(file_.get());
  size_ += lines.size();
}

}  // namespace pond::log
