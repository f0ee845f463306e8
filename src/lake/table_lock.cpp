#include "lake/table_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <thread>
#include <utility>

#include "common/error.hpp"
#include "lake/lake.hpp"
#include "state/database.hpp"

namespace pond::lake {

namespace {

// FNV-1a: the same key in every process (std::hash need not be).
std::int64_t lock_key(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(h >> 1);
}

std::string read_all(int fd) {
  std::string out;
  char buf[512];
  if (lseek(fd, 0, SEEK_SET) < 0) return out;
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

std::string file_name_of(const std::string& table) {
  std::string out;
  for (char c : table) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_') ? c : '_';
  return out + ".lock";
}

[[noreturn]] void timed_out(const std::string& table, const std::string& who,
                            std::chrono::milliseconds timeout) {
  throw UserError("the lake table " + table + " is being written by " +
                      (who.empty() ? "another process" : who) + "; waited " +
                      std::to_string(timeout.count() / 1000) + " s",
                  "let that run finish (pond runs lists runs), or raise lock_timeout in the target's lake:",
                  ExitCode::kStepFailed);
}

}  // namespace

TableLock TableLock::acquire(Lake& lake, const std::string& table, const std::string& holder,
                             std::chrono::milliseconds timeout) {
  TableLock lock;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(20);
  if (lake.catalog_kind() == "postgres") {
    lock.key_ = lock_key("pond lake table " + table);
    for (;;) {
      auto r = lake.catalog_db().query("SELECT pg_try_advisory_lock(?)", {lock.key_});
      if (!r.empty() && r[0][0] && (*r[0][0] == "t" || *r[0][0] == "true" || *r[0][0] == "1")) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        auto who = lake.catalog_db().query(
            "SELECT 'PostgreSQL backend pid ' || pid || coalesce(' (' || nullif(application_name, '') || "
            "')', '') "
            "FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = ? LIMIT 1",
            {lock.key_});
        timed_out(table, who.empty() || !who[0][0] ? "" : *who[0][0], timeout);
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(500));
    }
    lock.pg_lake_ = &lake;
    return lock;
  }
  std::filesystem::path dir = lake.catalog_location() + ".locks";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::path file = dir / file_name_of(table);
  lock.fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock.fd_ < 0)
    throw UserError("cannot open the lock file " + file.string() + " of lake table " + table,
                    "check that the lake's catalog folder is writable", ExitCode::kStepFailed);
  while (::flock(lock.fd_, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string who = read_all(lock.fd_);
      timed_out(table, who, timeout);  // the destructor closes the file
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
  // Who holds it, for the one who waits (the file stays; its content is only informative).
  if (::ftruncate(lock.fd_, 0) == 0) {
    std::string text = holder + " (pid " + std::to_string(::getpid()) + ")";
    [[maybe_unused]] auto n = ::pwrite(lock.fd_, text.data(), text.size(), 0);
  }
  return lock;
}

TableLock::TableLock(TableLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), pg_lake_(std::exchange(other.pg_lake_, nullptr)), key_(other.key_) {}

TableLock::~TableLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
  if (pg_lake_) {
    try {
      pg_lake_->catalog_db().query("SELECT pg_advisory_unlock(?)", {key_});
    } catch (...) {  // the session ends with the lake's connection; its locks go with it
    }
  }
}

}  // namespace pond::lake
