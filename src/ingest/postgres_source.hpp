#pragma once
// A read of a `from: postgres` resource through libpq: one connection with the session settings
// the type mapping relies on (postgres_types.hpp), in one REPEATABLE READ READ ONLY transaction so
// that the cursor's highest value and the copied rows are of one snapshot. Rows are streamed with
// `COPY (SELECT ...) TO STDOUT (FORMAT csv)` into a file, never held in memory. Every error is a
// UserError naming the resource and its pond.yml place, with secrets as "***".
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/postgres_types.hpp"
#include "ingest/progress.hpp"
#include "ingest/resource.hpp"
#include "ingest/secrets.hpp"

namespace pond::ingest {

// Whether a libpq connection string (or URL) holds a password written in it (not a `${NAME}`).
bool conninfo_has_literal_password(const std::string& conninfo);

class PostgresSession {
 public:
  // Connects (the connection and password templates expanded), sets the session up and begins
  // the transaction; with `snapshot` (another session's export_snapshot()), in that snapshot.
  explicit PostgresSession(const ResourceConfig& r, const std::string& snapshot = {});
  ~PostgresSession();
  PostgresSession(const PostgresSession&) = delete;
  PostgresSession& operator=(const PostgresSession&) = delete;

  // The columns of `select` (its result's description) and how each lands in the lake.
  std::vector<PgColumnMapping> describe(const std::string& select);
  // The first column of the first row of `sql` (nullopt: NULL or no row), and the second.
  std::pair<std::optional<std::string>, std::optional<std::string>> query_pair(const std::string& sql,
                                                                               const std::string& doing);
  // `COPY (select) TO STDOUT (FORMAT csv)` into `file`; returns the rows and bytes written.
  // `progress` (optional) counts them as they come.
  std::pair<std::int64_t, std::int64_t> copy_csv(const std::string& select, const std::filesystem::path& file,
                                                 LoadProgress* progress = nullptr);
  // The transaction's snapshot, for other sessions to read the same rows (pg_export_snapshot()).
  std::string export_snapshot();
  // `text` as a quoted SQL literal of this server.
  std::string literal(const std::string& text);
  // "host:port/dbname", for messages.
  std::string where() const;

 private:
  struct Conn;
  [[noreturn]] void fail(const std::string& doing, const std::string& error,
                         const std::string& hint = {}) const;
  void exec(const std::string& sql, const std::string& doing);
  PgType type_of(std::uint32_t oid);

  const ResourceConfig& r_;
  Secrets secrets_;
  std::unique_ptr<Conn> conn_;
  std::vector<PgType> types_;  // looked up so far
};

}  // namespace pond::ingest
