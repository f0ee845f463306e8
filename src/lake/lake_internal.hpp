#pragma once
// Helpers shared by the Lake's implementation files; not part of the lake's API.
#include <vector>

#include "lake/lake.hpp"
#include "lake/writer.hpp"

namespace pond::lake {

// A new table's columns from definitions: ids 1..n depth first, orders 1..n per level.
std::vector<Column> columns_from_defs(const std::vector<ColumnDef>& defs);

// Files written before a commit: removed through the lake's file system unless the commit
// succeeded, so a failed or interrupted write leaves no orphan behind.
class WrittenGuard {
 public:
  explicit WrittenGuard(storage::FileSystem& files) : files_(files) {}
  ~WrittenGuard();
  WrittenGuard(const WrittenGuard&) = delete;
  WrittenGuard& operator=(const WrittenGuard&) = delete;
  void add(const std::vector<WrittenFile>& files) {
    written_.insert(written_.end(), files.begin(), files.end());
  }
  void committed() { written_.clear(); }

 private:
  storage::FileSystem& files_;
  std::vector<WrittenFile> written_;
};

}  // namespace pond::lake
