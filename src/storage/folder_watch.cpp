#include "storage/folder_watch.hpp"

#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace pond::storage {

namespace fs = std::filesystem;

namespace {

// File systems where every change is made by this kernel, so inotify sees it. Anything else
// (NFS, SMB, 9p, FUSE, Ceph, ...) is listed on every tick.
bool local_file_system(const fs::path& folder, std::string* why) {
  struct statfs st {};
  if (::statfs(folder.c_str(), &st) != 0) {
    if (why) *why = "cannot stat the file system of " + folder.string() + ": " + std::strerror(errno);
    return false;
  }
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53:      // ext2/3/4
    case 0x58465342:  // xfs
    case 0x9123683E:  // btrfs
    case 0x01021994:  // tmpfs
    case 0x794C7630:  // overlayfs
    case 0x2FC12FC1:  // zfs
    case 0xF2F52010:  // f2fs
    case 0x52654973:  // reiserfs
      return true;
    default:
      if (why) *why = "its file system is not a local one inotify follows completely";
      return false;
  }
}

constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_MOVED_TO |
                                IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                                IN_DONT_FOLLOW;

}  // namespace

FolderWatch::FolderWatch(FolderWatch&& other) noexcept
    : folder_(std::move(other.folder_)), fd_(std::exchange(other.fd_, -1)), dirs_(std::move(other.dirs_)) {}

FolderWatch& FolderWatch::operator=(FolderWatch&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    folder_ = std::move(other.folder_);
    fd_ = std::exchange(other.fd_, -1);
    dirs_ = std::move(other.dirs_);
  }
  return *this;
}

FolderWatch::~FolderWatch() {
  if (fd_ >= 0) ::close(fd_);  // also removes every watch
}

std::optional<FolderWatch> FolderWatch::open(const fs::path& folder, std::string* why) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec) || fs::is_symlink(fs::symlink_status(folder, ec))) {
    if (why) *why = folder.string() + " is not a folder (or is a symbolic link to one)";
    return std::nullopt;
  }
  if (!local_file_system(folder, why)) return std::nullopt;
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    if (why)
      *why = std::string("inotify_init1: ") + std::strerror(errno) +
             (errno == EMFILE ? " (the limit fs.inotify.max_user_instances is reached)" : "");
    return std::nullopt;
  }
  FolderWatch w(folder, fd);
  if (!w.add_tree(why)) return std::nullopt;
  return w;
}

bool FolderWatch::add_tree(std::string* why) {
  auto add = [&](const fs::path& dir, std::string relative) {
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), kMask);
    if (wd < 0) {
      if (why)
        *why = "inotify_add_watch " + dir.string() + ": " + std::strerror(errno) +
               (errno == ENOSPC ? " (the limit fs.inotify.max_user_watches is reached)" : "");
      return false;
    }
    dirs_[wd] = std::move(relative);
    return true;
  };
  if (!add(folder_, "")) return false;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder_, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_symlink(st)) {
      if (why) *why = "the tree holds a symbolic link (" + it->path().string() + ")";
      return false;
    }
    if (fs::is_directory(st) && !add(it->path(), it->path().lexically_relative(folder_).generic_string()))
      return false;
  }
  if (ec) {
    if (why) *why = "cannot walk " + folder_.string() + ": " + ec.message();
    return false;
  }
  return true;
}

FolderChanges FolderWatch::drain() {
  FolderChanges out;
  alignas(inotify_event) std::array<char, 64 * 1024> buf{};
  for (;;) {
    const ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) out.relist = true;  // a descriptor that cannot be read: trust nothing
      break;
    }
    if (n == 0) break;
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf.data() + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      // A folder appearing, leaving or moving changes which folders are watched; an overflow
      // loses events; the tree's own removal ends the watch. Each needs a full listing.
      if ((e->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) ||
          (e->mask & IN_ISDIR)) {
        out.relist = true;
        continue;
      }
      auto dir = dirs_.find(e->wd);
      if (dir == dirs_.end() || e->len == 0) continue;  // an event of a watch already replaced
      const std::string name(e->name);                  // NUL-padded
      out.paths.insert(dir->second.empty() ? name : dir->second + "/" + name);
    }
  }
  if (out.relist) out.paths.clear();
  return out;
}

}  // namespace pond::storage
