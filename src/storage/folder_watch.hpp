#pragma once
// Change notification on a local folder tree (inotify), so that a files sensor need not list a
// folder of 100,000 files on every tick: after one full listing it looks only at the files the
// kernel said were written, created, moved in or touched.
//
// The kernel's word is trusted only where it is complete. A watch is not opened on network or
// FUSE file systems (changes made by other hosts raise no event), nor on a tree holding symbolic
// links (a change to a link's target raises no event in the linked folder). Whatever it cannot
// follow exactly — a folder created, moved or removed inside the tree, the event queue
// overflowing, the tree itself gone — makes the next drain() ask for a full listing.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace pond::storage {

// What changed under the folder since the last drain.
struct FolderChanges {
  bool relist = false;          // list the whole tree again (`paths` is then empty)
  std::set<std::string> paths;  // files to look at again, '/'-separated and relative to the folder
};

// An inotify watch on every folder of a tree. Move-only; the descriptor is closed with it.
class FolderWatch {
 public:
  // The watch on `folder`, or nullopt with the reason in `why` when changes there cannot be
  // followed exactly (a network or FUSE file system, a symbolic link in the tree, the user's
  // inotify watch limit reached, not a folder). Open it before listing the folder: a change
  // made while listing is then reported by the next drain, never lost.
  static std::optional<FolderWatch> open(const std::filesystem::path& folder, std::string* why = nullptr);

  // The changes since the last drain (or since open), without waiting.
  FolderChanges drain();

  FolderWatch(FolderWatch&& other) noexcept;
  FolderWatch& operator=(FolderWatch&& other) noexcept;
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;
  ~FolderWatch();

  const std::filesystem::path& folder() const { return folder_; }

 private:
  FolderWatch(std::filesystem::path folder, int fd) : folder_(std::move(folder)), fd_(fd) {}
  bool add_tree(std::string* why);

  std::filesystem::path folder_;
  int fd_ = -1;                      // the inotify descriptor, owned
  std::map<int, std::string> dirs_;  // watch descriptor -> folder relative to folder_ ("" = itself)
};

}  // namespace pond::storage
