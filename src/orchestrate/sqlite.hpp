#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace pond::orchestrate::sqlite {

// A failure reported by SQLite, with its message and the statement or file involved.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A prepared statement; bind by 1-based index, step() until it returns false.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  bool step();  // true: a row is available
  void run() { step(); }
  void reset();

  bool is_null(int col) const;
  std::int64_t get_int(int col) const;
  double get_double(int col) const;
  std::string get_text(int col) const;
  std::optional<std::int64_t> get_optional_int(int col) const;
  std::optional<double> get_optional_double(int col) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const;
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// One SQLite database connection (WAL, foreign keys on, busy timeout so that the CLI,
// the UI and the daemon can share the file).
class Database {
 public:
  static Database open(const std::string& path);
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database();

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_.get(), sql); }
  // Runs `use` with the statement for `sql`, prepared once per connection (the run store's
  // inserts, thousands per run) and reset afterwards; one caller at a time uses a statement.
  void with_cached(std::string_view sql, const std::function<void(Statement&)>& use);
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  struct Cache {
    std::mutex mutex;
    std::unordered_map<std::string, Statement> statements;
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
  std::unique_ptr<Cache> cache_ =
      std::make_unique<Cache>();  // destroyed first: statements, then the connection
};

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace pond::orchestrate::sqlite
