#pragma once
// Helpers shared by the Lake's implementation files; not part of the lake's API.
#include <optional>
#include <string>
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

// Deletes planned for one data file: the new delete file (all deleted positions of the
// file so far) or, when every row goes, the data file itself is ended.
struct PlannedDelete {
  DataFile file;
  std::optional<std::int64_t> old_delete_file;
  std::optional<WrittenFile> delete_file;
  bool whole_file = false;
  std::int64_t count = 0;  // rows newly deleted
  // Rows inlined in the catalog by DuckDB's extension (no data file): their row ids.
  std::vector<std::int64_t> inlined_rows;
};

// A DuckDB temp table holding a query's rows, dropped when it goes out of scope.
class TempTable {
 public:
  TempTable(engine::Connection& con, const std::string& select_sql);
  TempTable(const TempTable&) = delete;
  TempTable& operator=(const TempTable&) = delete;
  ~TempTable();
  const std::string& name() const { return name_; }

 private:
  engine::Connection& con_;
  std::string name_;
};

// The deletes of the rows of `t` at `snapshot` matching `where` (delete files written).
std::vector<PlannedDelete> plan_deletes(engine::Connection& con, CatalogReader& reader,
                                        const std::string& data_root, const PathResolver& resolve,
                                        storage::FileSystem& fs, const Table& t, std::int64_t snapshot,
                                        const std::string& where);
// Records planned deletes in the commit.
void apply_deletes(CommitContext& ctx, const Table& t, const std::vector<PlannedDelete>& planned);
std::vector<WrittenFile> delete_files_of(const std::vector<PlannedDelete>& planned);
// The folder of a table not created yet.
std::string table_dir_for_new(const std::string& data_root, const std::optional<Schema>& schema,
                              const std::string& schema_name, const std::string& table_name);

}  // namespace pond::lake
