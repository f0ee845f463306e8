#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pond::lake {

// A bound parameter of a catalog statement ('?' placeholders, 1-based order).
using SqlValue = std::variant<std::monostate, std::int64_t, bool, std::string>;
// One result row, every value as text (NULL = nullopt); catalogs store text, ints and bools.
using Row = std::vector<std::optional<std::string>>;

// A failure of the catalog database (connection, SQL, constraint).
class CatalogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Another writer committed the same snapshot id first (a primary key violation on
// ducklake_snapshot, or a busy lock): the commit may be retried against the new snapshot.
class CommitRace : public CatalogError {
 public:
  using CatalogError::CatalogError;
};

// Which SQL database holds the DuckLake catalog tables.
enum class CatalogKind { kSqlite, kPostgres, kDuckDb };

// The catalog database behind one interface: SQLite (libsqlite3), PostgreSQL (libpq) or a
// DuckDB file (pond's engine). Statements use '?' placeholders; results are text.
class CatalogDb {
 public:
  virtual ~CatalogDb() = default;
  virtual CatalogKind kind() const = 0;
  void execute(std::string_view sql, const std::vector<SqlValue>& params = {}) { do_execute(sql, params); }
  std::vector<Row> query(std::string_view sql, const std::vector<SqlValue>& params = {}) {
    return do_query(sql, params);
  }
  // A transaction that will write (SQLite takes the write lock up front).
  virtual void begin_write() = 0;
  // A read-only transaction: every query inside sees one consistent state.
  virtual void begin_read() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual bool table_exists(const std::string& name) = 0;
  // SQL type names used in CREATE TABLE for the catalog's abstract types.
  virtual std::string uuid_type() const { return "UUID"; }
  virtual std::string timestamptz_type() const { return "TIMESTAMPTZ"; }

 protected:
  virtual void do_execute(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  virtual std::vector<Row> do_query(std::string_view sql, const std::vector<SqlValue>& params) = 0;
};

// Opens a catalog from a connection string: "sqlite:path", "postgres:<libpq conninfo>",
// "duckdb:path" (also "ducklake:path"), or a bare path (".sqlite"/".db" = SQLite,
// ".ducklake"/".duckdb" = DuckDB). Relative paths are taken as given.
std::unique_ptr<CatalogDb> open_catalog_db(const std::string& spec);

std::unique_ptr<CatalogDb> open_sqlite_catalog(const std::string& path);
std::unique_ptr<CatalogDb> open_postgres_catalog(const std::string& conninfo);
std::unique_ptr<CatalogDb> open_duckdb_catalog(const std::string& path);

// Rolls back on scope exit unless committed, so an exception never leaves a transaction open.
class CatalogTransaction {
 public:
  CatalogTransaction(CatalogDb& db, bool write) : db_(db) {
    if (write)
      db_.begin_write();
    else
      db_.begin_read();
  }
  CatalogTransaction(const CatalogTransaction&) = delete;
  CatalogTransaction& operator=(const CatalogTransaction&) = delete;
  ~CatalogTransaction() {
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
  CatalogDb& db_;
  bool done_ = false;
};

}  // namespace pond::lake
