// The SQLite catalog (the embedded default): WAL mode, so readers never wait for the writer.
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "lake/catalog_db.hpp"

namespace pond::lake {

namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

class SqliteCatalogDb : public CatalogDb {
 public:
  explicit SqliteCatalogDb(const std::string& path) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK)
      throw CatalogError("cannot open SQLite catalog " + path + ": " + (raw ? sqlite3_errmsg(raw) : "?"));
    // Waiting writers retry for a while instead of failing at once on a busy lock.
    sqlite3_busy_timeout(db_.get(), 30000);
    execute("PRAGMA journal_mode=WAL");
    execute("PRAGMA synchronous=NORMAL");
    execute("PRAGMA foreign_keys=OFF");
    path_ = path;
  }

  CatalogKind kind() const override { return CatalogKind::kSqlite; }

  void do_execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    if (params.empty() && sql.find('?') == std::string_view::npos) {
      char* err = nullptr;
      std::string text(sql);
      int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
      if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db_.get());
        sqlite3_free(err);
        fail(rc, msg, sql);
      }
      return;
    }
    run(sql, params, nullptr);
  }

  std::vector<Row> do_query(std::string_view sql, const std::vector<SqlValue>& params) override {
    std::vector<Row> rows;
    run(sql, params, &rows);
    return rows;
  }

  void begin_write() override { execute("BEGIN IMMEDIATE"); }
  void begin_read() override { execute("BEGIN DEFERRED"); }
  void commit() override { execute("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_.get())) execute("ROLLBACK");
  }
  bool table_exists(const std::string& name) override {
    return !query("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", {name}).empty();
  }
  std::string timestamptz_type() const override { return "TIMESTAMP WITH TIME ZONE"; }

 private:
  [[noreturn]] void fail(int rc, const std::string& msg, std::string_view sql) {
    int base = rc & 0xff;
    std::string text =
        "SQLite catalog " + path_ + ": " + msg + " (in: " + std::string(sql.substr(0, 200)) + ")";
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED) throw CommitRace(text);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) throw CommitRace(text);
    throw CatalogError(text);
  }

  void run(std::string_view sql, const std::vector<SqlValue>& params, std::vector<Row>* rows) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_.get()), sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      const SqlValue& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(raw, idx);
      } else if (auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(raw, idx, *n);
      } else if (auto* b = std::get_if<bool>(&v)) {
        rc = sqlite3_bind_int64(raw, idx, *b ? 1 : 0);
      } else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text(raw, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_.get()), sql);
    }
    while (true) {
      rc = sqlite3_step(raw);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(sqlite3_extended_errcode(db_.get()), sqlite3_errmsg(db_.get()), sql);
      if (!rows) continue;
      Row row;
      int n = sqlite3_column_count(raw);
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(raw, c) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, c));
          row.emplace_back(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(raw, c))));
        }
      }
      rows->push_back(std::move(row));
    }
  }

  std::unique_ptr<sqlite3, DbCloser> db_;
  std::string path_;
};

}  // namespace

std::unique_ptr<CatalogDb> open_sqlite_catalog(const std::string& path) {
  return std::make_unique<SqliteCatalogDb>(path);
}

}  // namespace pond::lake
