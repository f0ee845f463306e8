#include "orchestrate/sqlite.hpp"

#include <sqlite3.h>

namespace pond::orchestrate::sqlite {

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& context) {
  throw Error("SQLite: " + std::string(db ? sqlite3_errmsg(db) : "out of memory") + " (" + context + ")");
}

}  // namespace

void Statement::Finalizer::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
    fail(db, std::string(sql));
  }
  stmt_.reset(raw);
}

Statement::~Statement() = default;

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_.get(), index, value) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_.get(), index, value) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(stmt_.get(), index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_.get(), index) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, sqlite3_sql(stmt_.get()));
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::is_null(int col) const {
  return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}
std::int64_t Statement::get_int(int col) const {
  return sqlite3_column_int64(stmt_.get(), col);
}
double Statement::get_double(int col) const {
  return sqlite3_column_double(stmt_.get(), col);
}

std::string Statement::get_text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_.get(), col);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_.get(), col))
           : std::string();
}

std::optional<std::int64_t> Statement::get_optional_int(int col) const {
  if (is_null(col)) return std::nullopt;
  return get_int(col);
}

std::optional<double> Statement::get_optional_double(int col) const {
  if (is_null(col)) return std::nullopt;
  return get_double(col);
}

void Database::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

void Database::with_cached(std::string_view sql, const std::function<void(Statement&)>& use) {
  std::lock_guard lock(cache_->mutex);
  auto it = cache_->statements.find(std::string(sql));
  if (it == cache_->statements.end())
    it = cache_->statements.emplace(std::string(sql), Statement(db_.get(), sql)).first;
  struct Reset {
    Statement& s;
    ~Reset() { s.reset(); }
  } reset{it->second};
  use(it->second);
}

Database Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) fail(raw, "cannot open " + path);
  sqlite3_busy_timeout(raw, 5000);
  // Closing leaves the WAL for the next writer's automatic checkpoint instead of copying it into
  // the database (and fsync'ing both) at the end of every pond command.
  sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
  return db;
}

Database::~Database() = default;

void Database::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error("SQLite: " + msg + " (" + text.substr(0, 200) + ")");
  }
}

Transaction::Transaction(Database& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (const Error&) {
    // Nothing to roll back (SQLite already ended the transaction on the error).
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace pond::orchestrate::sqlite
