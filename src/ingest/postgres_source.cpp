#include "ingest/postgres_source.hpp"

#include <libpq-fe.h>

#include <cstdio>
#include <set>

#include "common/error.hpp"
#include "common/text.hpp"

namespace pond::ingest {

namespace {

// What libpq says, on one line.
std::string one_line(std::string text) {
  for (auto& ch : text)
    if (ch == '\n' || ch == '\t') ch = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  std::string out;
  for (char ch : text)
    if (!(ch == ' ' && !out.empty() && out.back() == ' ')) out += ch;
  return out;
}

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

// The message of a failed statement: PostgreSQL's primary message, its detail and hint.
std::string result_error(const PGresult* res, PGconn* conn) {
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary == nullptr) return one_line(PQerrorMessage(conn));
  std::string out = primary;
  if (const char* d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) out += " (" + std::string(d) + ")";
  if (const char* h = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT))
    out += "; PostgreSQL's hint: " + std::string(h);
  if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) out += " [SQLSTATE " + std::string(s) + "]";
  return one_line(out);
}

}  // namespace

struct PostgresSession::Conn {
  PGconn* pg = nullptr;
  ~Conn() {
    if (pg) PQfinish(pg);
  }
};

bool conninfo_has_literal_password(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (error) PQfreemem(error);
  if (options == nullptr) return false;  // not a connection string (e.g. all of it is ${PG_URL})
  bool literal = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o)
    if (std::string(o->keyword) == "password" && o->val != nullptr && *o->val != '\0' &&
        std::string(o->val).find("${") == std::string::npos)
      literal = true;
  PQconninfoFree(options);
  return literal;
}

PostgresSession::PostgresSession(const ResourceConfig& r, const std::string& snapshot)
    : r_(r), conn_(std::make_unique<Conn>()) {
  const PostgresSource& s = r.postgres;
  std::string conninfo = secrets_.expand(s.connection, r.name);
  std::string password = s.password.empty() ? "" : secrets_.expand(s.password, r.name);
  // A password inside the connection string is a secret too (it may come from ${PG_URL}).
  if (char* error = nullptr; PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error)) {
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o)
      if (std::string(o->keyword) == "password" && o->val != nullptr) secrets_.add(o->val);
    PQconninfoFree(options);
  } else {
    std::string why = error ? one_line(error) : "not a connection string";
    if (error) PQfreemem(error);
    throw UserError(r.where,
                    "ingest resource '" + r.name +
                        "': 'connection:' is not a libpq connection string: " + secrets_.redact(why),
                    "e.g. connection: \"postgresql://user@host:5432/dbname\" or \"host=... dbname=...\"",
                    ExitCode::kStepFailed);
  }
  // Later keywords win: the connection string overrides the defaults before it, `password:` it.
  std::vector<const char*> keys{"connect_timeout", "application_name", "dbname"};
  std::vector<const char*> values{"10", "pond", conninfo.c_str()};
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_->pg = PQconnectdbParams(keys.data(), values.data(), 1);
  if (conn_->pg == nullptr) throw std::bad_alloc();
  if (PQstatus(conn_->pg) != CONNECTION_OK) {
    std::string error = one_line(PQerrorMessage(conn_->pg));
    bool auth =
        error.find("authentication") != std::string::npos || error.find("password") != std::string::npos;
    fail("connecting", error,
         auth ? "check the user and the password (password: \"${PG_PASSWORD}\", PGPASSWORD or ~/.pgpass)"
              : "check 'connection:' (host, port, dbname) and that the server accepts connections");
  }
  // The text the type mapping reads: ISO dates, UTC instants, exact floats, hex bytea.
  exec(
      "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; "
      "SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'",
      "setting the session up");
  exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "beginning the read");
  if (!snapshot.empty()) exec("SET TRANSACTION SNAPSHOT " + literal(snapshot), "taking the load's snapshot");
}

std::string PostgresSession::export_snapshot() {
  std::optional<std::string> id = query_pair("SELECT pg_export_snapshot()", "exporting the snapshot").first;
  if (!id) fail("exporting the snapshot", "no snapshot id");
  return *id;
}

PostgresSession::~PostgresSession() = default;

std::string PostgresSession::where() const {
  PGconn* pg = conn_->pg;
  std::string host = PQhost(pg) ? PQhost(pg) : "";
  std::string port = PQport(pg) ? PQport(pg) : "";
  std::string db = PQdb(pg) ? PQdb(pg) : "";
  return host + (port.empty() ? "" : ":" + port) + "/" + db;
}

void PostgresSession::fail(const std::string& doing, const std::string& error,
                           const std::string& hint) const {
  throw UserError(r_.where,
                  "ingest resource '" + r_.name + "': PostgreSQL at " + secrets_.redact(where()) + ": " +
                      doing + ": " + secrets_.redact(error),
                  secrets_.redact(hint), ExitCode::kStepFailed);
}

void PostgresSession::exec(const std::string& sql, const std::string& doing) {
  Result res(PQexec(conn_->pg, sql.c_str()));
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(doing, result_error(res.get(), conn_->pg));
}

std::string PostgresSession::literal(const std::string& text) {
  char* quoted = PQescapeLiteral(conn_->pg, text.c_str(), text.size());
  if (quoted == nullptr) fail("quoting a cursor value", one_line(PQerrorMessage(conn_->pg)));
  std::string out = quoted;
  PQfreemem(quoted);
  return out;
}

PgType PostgresSession::type_of(std::uint32_t oid) {
  for (const auto& t : types_)
    if (t.oid == oid) return t;
  std::string sql =
      "SELECT format_type(oid, NULL), typtype, CASE WHEN typcategory = 'A' THEN typelem ELSE 0 END, "
      "typbasetype, "
      "typtypmod FROM pg_catalog.pg_type WHERE oid = " +
      std::to_string(oid);
  Result res(PQexec(conn_->pg, sql.c_str()));
  if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) != 1)
    fail("looking up type " + std::to_string(oid), result_error(res.get(), conn_->pg));
  PgType t;
  t.oid = oid;
  t.name = PQgetvalue(res.get(), 0, 0);
  t.kind = PQgetvalue(res.get(), 0, 1)[0];
  t.element = static_cast<std::uint32_t>(std::stoul(PQgetvalue(res.get(), 0, 2)));
  t.base = static_cast<std::uint32_t>(std::stoul(PQgetvalue(res.get(), 0, 3)));
  t.base_typmod = std::stoi(PQgetvalue(res.get(), 0, 4));
  types_.push_back(t);
  return t;
}

std::vector<PgColumnMapping> PostgresSession::describe(const std::string& select) {
  Result res(PQexec(conn_->pg, ("SELECT * FROM (" + select + ") AS q LIMIT 0").c_str()));
  if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK)
    fail(r_.postgres.query.empty() ? "reading " + r_.postgres.source_table : "running query:",
         result_error(res.get(), conn_->pg),
         r_.postgres.query.empty() ? "source_table: names a table or view as written in SQL (schema.table)"
                                   : "query: must be a SELECT this user may run");
  std::vector<PgColumnMapping> out;
  std::set<std::string> names;
  auto lookup = [this](std::uint32_t oid) { return type_of(oid); };
  for (int i = 0; i < PQnfields(res.get()); ++i) {
    std::string name = PQfname(res.get(), i);
    // DuckDB's names are case-insensitive: "A" and "a" would be one lake column.
    if (!names.insert(to_lower(name)).second)
      throw UserError(r_.where,
                      "ingest resource '" + r_.name + "': the source has two columns named '" + name +
                          "' (names are case-insensitive in the lake)",
                      "give them distinct names (AS ...) in query:", ExitCode::kStepFailed);
    out.push_back(map_postgres_column(name, PQftype(res.get(), i), PQfmod(res.get(), i), lookup));
  }
  if (out.empty())
    throw UserError(r_.where, "ingest resource '" + r_.name + "': the source has no columns", "",
                    ExitCode::kStepFailed);
  return out;
}

std::pair<std::optional<std::string>, std::optional<std::string>> PostgresSession::query_pair(
    const std::string& sql, const std::string& doing) {
  Result res(PQexec(conn_->pg, sql.c_str()));
  if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK) fail(doing, result_error(res.get(), conn_->pg));
  std::pair<std::optional<std::string>, std::optional<std::string>> out;
  if (PQntuples(res.get()) > 0) {
    if (!PQgetisnull(res.get(), 0, 0)) out.first = PQgetvalue(res.get(), 0, 0);
    if (PQnfields(res.get()) > 1 && !PQgetisnull(res.get(), 0, 1)) out.second = PQgetvalue(res.get(), 0, 1);
  }
  return out;
}

std::pair<std::int64_t, std::int64_t> PostgresSession::copy_csv(const std::string& select,
                                                                const std::filesystem::path& file,
                                                                LoadProgress* progress) {
  Result res(PQexec(conn_->pg, ("COPY (" + select + ") TO STDOUT (FORMAT csv)").c_str()));
  if (!res || PQresultStatus(res.get()) != PGRES_COPY_OUT)
    fail("copying the rows", result_error(res.get(), conn_->pg));
  res.reset();
  std::vector<char> buffer(1 << 22);  // outlives the FILE, whose close flushes it
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(file.c_str(), "wb"), &std::fclose);
  if (!out) throw InternalError("cannot write " + file.string());
  std::setvbuf(out.get(), buffer.data(), _IOFBF, buffer.size());
  std::int64_t rows = 0, bytes = 0, reported = 0;
  for (;;) {
    char* row = nullptr;
    int n = PQgetCopyData(conn_->pg, &row, 0);  // one row each, blocking
    if (n > 0) {
      bool written =
          std::fwrite(row, 1, static_cast<std::size_t>(n), out.get()) == static_cast<std::size_t>(n);
      PQfreemem(row);
      if (!written)
        throw UserError(r_.where,
                        "ingest resource '" + r_.name + "': writing the copied rows to " + file.string() +
                            " failed (disk full?)",
                        "free space in the temporary folder (TMPDIR)", ExitCode::kStepFailed);
      ++rows;
      bytes += n;
      // In batches: the counters are shared with the progress line's thread.
      if (progress && rows % 1024 == 0) {
        progress->add(1024, bytes - reported);
        reported = bytes;
      }
      continue;
    }
    if (n == -2) fail("copying the rows", one_line(PQerrorMessage(conn_->pg)));
    break;  // -1: the copy is over; its result says how it ended
  }
  // An error while the rows are produced (a division by zero in query:) ends the COPY here.
  Result end(PQgetResult(conn_->pg));
  if (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK)
    fail("copying the rows (after " + std::to_string(rows) + " rows)", result_error(end.get(), conn_->pg));
  while (PGresult* more = PQgetResult(conn_->pg)) PQclear(more);
  if (progress) progress->add(rows % 1024, bytes - reported);
  if (std::fflush(out.get()) != 0)
    throw UserError(r_.where,
                    "ingest resource '" + r_.name + "': writing " + file.string() + " failed (disk full?)",
                    "free space in the temporary folder (TMPDIR)", ExitCode::kStepFailed);
  return {rows, bytes};
}

}  // namespace pond::ingest
