#pragma once
// Writers of one lake table take turns: a writer holds the table's lock from the moment it
// starts computing the new rows until its commit, so a second writer of the same table waits
// (and then starts from the first one's snapshot) instead of failing with a commit conflict
// after doing all its work. Writers of different tables never wait for each other.
#include <chrono>
#include <cstdint>
#include <string>

namespace pond::lake {

class Lake;

// One held table lock (RAII). File catalogs (SQLite, DuckDB): an flock on a file in
// `<catalog>.locks/` that also names the holder; PostgreSQL catalogs: a session advisory lock
// on the catalog connection.
class TableLock {
 public:
  // Waits up to `timeout`; then throws UserError naming the table and who holds it.
  // `holder` describes this writer for the one who waits (a run and step; never a secret).
  static TableLock acquire(Lake& lake, const std::string& table, const std::string& holder,
                           std::chrono::milliseconds timeout);
  TableLock(TableLock&& other) noexcept;
  TableLock& operator=(TableLock&&) = delete;
  TableLock(const TableLock&) = delete;
  ~TableLock();

 private:
  TableLock() = default;
  int fd_ = -1;              // file catalogs
  Lake* pg_lake_ = nullptr;  // PostgreSQL catalogs: whose connection holds the advisory lock
  std::int64_t key_ = 0;
};

}  // namespace pond::lake
