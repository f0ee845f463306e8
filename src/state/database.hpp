#pragma once
// The state-store layer: one RAII interface over the SQL databases pond keeps its own state in
// (the lake catalog, the run store). SQLite is the embedded default; PostgreSQL serves several
// processes and hosts. Statements use '?' placeholders and portable SQL; results come back as
// text. One busy policy and one error type for all of them, with secrets kept out of messages.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pond::state {

// A bound parameter ('?' placeholders, in order).
using Value = std::variant<std::monostate, std::int64_t, double, bool, std::string>;
// One result row, every value as text (NULL = nullopt).
using Row = std::vector<std::optional<std::string>>;

// A failure of a state database (connection, SQL, constraint). The message never holds a
// password: connection strings are redacted before they reach it.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Another writer got there first (a unique-key race, a serialization failure, a deadlock, a
// lock still held after the busy timeout): the transaction may be retried from the start.
class Conflict : public Error {
 public:
  using Error::Error;
};

enum class Kind { kSqlite, kPostgres, kDuckDb };

// A connection to one state database. Not thread-safe: one per thread (SQLite and PostgreSQL
// both serve many connections at once).
class Database {
 public:
  virtual ~Database() = default;
  virtual Kind kind() const = 0;

  void execute(std::string_view sql, const std::vector<Value>& params = {}) { do_execute(sql, params); }
  std::vector<Row> query(std::string_view sql, const std::vector<Value>& params = {}) {
    return do_query(sql, params);
  }
  // Calls `each` for every row of a query without holding them all: the row passed is only valid
  // during the call (large reads such as every partition stretch of a run store).
  void query_each(std::string_view sql, const std::vector<Value>& params,
                  const std::function<void(const Row&)>& each) {
    do_query_each(sql, params, each);
  }
  // Runs several ';'-separated statements without parameters (schema migrations).
  virtual void execute_script(std::string_view sql) = 0;

  // A transaction that will write (SQLite takes the write lock up front, so two writers queue
  // instead of deadlocking on the upgrade).
  virtual void begin_write() = 0;
  // A read-only transaction: every query inside sees one consistent state.
  virtual void begin_read() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual bool in_transaction() const = 0;

  virtual bool table_exists(const std::string& name) = 0;

  // Dialect: type names for CREATE TABLE.
  virtual std::string uuid_type() const { return "UUID"; }
  virtual std::string timestamptz_type() const { return "TIMESTAMPTZ"; }
  // An auto-numbered BIGINT primary key column definition (without the column name).
  virtual std::string identity_primary_key() const = 0;

 protected:
  virtual void do_execute(std::string_view sql, const std::vector<Value>& params) = 0;
  virtual std::vector<Row> do_query(std::string_view sql, const std::vector<Value>& params) = 0;
  virtual void do_query_each(std::string_view sql, const std::vector<Value>& params,
                             const std::function<void(const Row&)>& each) {
    for (const Row& row : do_query(sql, params)) each(row);
  }
};

// How long a connection waits for a lock another process holds before it reports Conflict.
// One policy for every state database: long enough for a writer's short transaction (run
// store rows, a catalog commit), short enough that a stuck process is noticed.
inline constexpr int kBusyTimeoutMs = 30000;

struct SqliteOptions {
  bool create = true;  // create the file when missing
  bool read_only = false;
  bool wal = true;  // WAL: readers never wait for the writer
  bool foreign_keys = false;
};

std::unique_ptr<Database> open_sqlite(const std::string& path, const SqliteOptions& options = {});
// `conninfo`: a libpq connection string ("host=... dbname=...") or URI ("postgresql://...").
std::unique_ptr<Database> open_postgres(const std::string& conninfo);

// A connection string with its password (password=..., user:password@ in a URI) replaced by
// "***", for messages and logs.
std::string redact_conninfo(std::string_view conninfo);

// Rolls back on scope exit unless committed, so an exception never leaves a transaction open.
class Transaction {
 public:
  Transaction(Database& db, bool write) : db_(db) {
    if (write)
      db_.begin_write();
    else
      db_.begin_read();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!done_) {
      try {
        db_.rollback();
      } catch (...) {  // the original error matters more than a failed rollback
      }
    }
  }
  void commit() {
    done_ = true;
    db_.commit();
  }

 private:
  Database& db_;
  bool done_ = false;
};

// Catalog/store text to numbers and booleans (SQLite gives 1/0, PostgreSQL t/f, DuckDB true/false).
std::int64_t to_int(const std::optional<std::string>& text, std::int64_t fallback = 0);
std::optional<std::int64_t> to_opt_int(const std::optional<std::string>& text);
std::optional<double> to_opt_double(const std::optional<std::string>& text);
bool to_bool(const std::optional<std::string>& text, bool fallback = false);

}  // namespace pond::state
