// The SQLite backend: WAL, so readers never wait for the writer; a busy timeout, so writers
// of several processes queue; prepared statements cached per connection, because the run store
// writes thousands of small rows per run.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "state/database.hpp"

namespace pond::state {

namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const std::string& path, const SqliteOptions& options) : path_(path) {
    sqlite3* raw = nullptr;
    int flags = options.read_only ? SQLITE_OPEN_READONLY
                                  : (SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0));
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK)
      throw Error("cannot open SQLite database " + path + ": " +
                  (raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
    if (options.wal && !options.read_only) switch_to_wal();
    execute_script("PRAGMA synchronous=NORMAL");
    execute_script(options.foreign_keys ? "PRAGMA foreign_keys=ON" : "PRAGMA foreign_keys=OFF");
  }

  // Switching a new database to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at
  // once, without the busy handler, while another process has it open in rollback mode (two
  // processes creating the same store at the same moment). So retry here until the timeout.
  void switch_to_wal() {
    auto start = std::chrono::steady_clock::now();
    for (int attempt = 0;; ++attempt) {
      char* err = nullptr;
      int rc = sqlite3_exec(db_.get(), "PRAGMA journal_mode=WAL", nullptr, nullptr, &err);
      sqlite3_free(err);
      if (rc == SQLITE_OK) return;
      bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
      if (!busy || std::chrono::steady_clock::now() - start > std::chrono::milliseconds(kBusyTimeoutMs))
        fail(sqlite3_extended_errcode(db_.get()), sqlite3_errmsg(db_.get()), "PRAGMA journal_mode=WAL");
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(5 + attempt * 5, 100)));
    }
  }

  ~SqliteDatabase() override {
    cache_.clear();  // statements before the connection
  }

  Kind kind() const override { return Kind::kSqlite; }

  void execute_script(std::string_view sql) override {
    char* err = nullptr;
    std::string text(sql);
    int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_.get());
      sqlite3_free(err);
      fail(sqlite3_extended_errcode(db_.get()), msg, sql);
    }
  }

  void begin_write() override { execute_script("BEGIN IMMEDIATE"); }
  void begin_read() override { execute_script("BEGIN DEFERRED"); }
  void commit() override { execute_script("COMMIT"); }
  void rollback() override {
    if (in_transaction()) execute_script("ROLLBACK");
  }
  bool in_transaction() const override { return !sqlite3_get_autocommit(db_.get()); }

  bool table_exists(const std::string& name) override {
    return !query("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", {name}).empty();
  }
  std::string timestamptz_type() const override { return "TIMESTAMP WITH TIME ZONE"; }
  std::string identity_primary_key() const override { return "INTEGER PRIMARY KEY AUTOINCREMENT"; }

 protected:
  void do_execute(std::string_view sql, const std::vector<Value>& params) override {
    if (params.empty() && sql.find('?') == std::string_view::npos &&
        sql.find(';') != std::string_view::npos) {
      execute_script(sql);
      return;
    }
    run(sql, params, {});
  }

  std::vector<Row> do_query(std::string_view sql, const std::vector<Value>& params) override {
    std::vector<Row> rows;
    run(sql, params, [&rows](const Row& row) { rows.push_back(row); });
    return rows;
  }

  void do_query_each(std::string_view sql, const std::vector<Value>& params,
                     const std::function<void(const Row&)>& each) override {
    run(sql, params, each);
  }

 private:
  [[noreturn]] void fail(int rc, const std::string& msg, std::string_view sql) {
    int base = rc & 0xff;
    std::string text = "SQLite " + path_ + ": " + msg + " (in: " + std::string(sql.substr(0, 200)) + ")";
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
      throw Conflict(text + "; another process held the database for over " +
                     std::to_string(kBusyTimeoutMs / 1000) + " s");
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) throw Conflict(text);
    throw Error(text);
  }

  sqlite3_stmt* prepared(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return it->second.get();
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) fail(sqlite3_extended_errcode(db_.get()), sqlite3_errmsg(db_.get()), sql);
    if (cache_.size() >= 256) cache_.clear();  // bounded: ad-hoc statements do not pile up
    return cache_.emplace(std::string(sql), std::move(stmt)).first->second.get();
  }

  // Runs a statement; `each` (when given) sees every row in one reused Row, whose strings keep
  // their buffers from row to row.
  void run(std::string_view sql, const std::vector<Value>& params,
           const std::function<void(const Row&)>& each) {
    // The statement cache and a statement's bindings are per connection: one user at a time.
    std::lock_guard lock(mutex_);
    sqlite3_stmt* stmt = prepared(sql);
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      const Value& v = params[i];
      int rc;
      if (std::holds_alternative<std::monostate>(v))
        rc = sqlite3_bind_null(stmt, idx);
      else if (auto* n = std::get_if<std::int64_t>(&v))
        rc = sqlite3_bind_int64(stmt, idx, *n);
      else if (auto* d = std::get_if<double>(&v))
        rc = sqlite3_bind_double(stmt, idx, *d);
      else if (auto* b = std::get_if<bool>(&v))
        rc = sqlite3_bind_int64(stmt, idx, *b ? 1 : 0);
      else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_.get()), sql);
    }
    Row row;
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(sqlite3_extended_errcode(db_.get()), sqlite3_errmsg(db_.get()), sql);
      if (!each) continue;
      auto n = static_cast<std::size_t>(sqlite3_column_count(stmt));
      row.resize(n);
      for (std::size_t c = 0; c < n; ++c) {
        int col = static_cast<int>(c);
        if (sqlite3_column_type(stmt, col) == SQLITE_NULL) {
          row[c].reset();
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
          auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, col));
          if (row[c])
            row[c]->assign(text, size);
          else
            row[c].emplace(text, size);
        }
      }
      each(row);
    }
  }

  std::unique_ptr<sqlite3, DbCloser> db_;
  std::string path_;
  std::unordered_map<std::string, StmtPtr> cache_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, const SqliteOptions& options) {
  return std::make_unique<SqliteDatabase>(path, options);
}

}  // namespace pond::state
