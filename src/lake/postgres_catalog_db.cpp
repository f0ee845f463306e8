// The PostgreSQL catalog (several writers and hosts): libpq, text parameters. Writers race
// on ducklake_snapshot's primary key; the loser rolls back and retries (commit.cpp).
#include <libpq-fe.h>

#include "lake/catalog_db.hpp"

namespace pond::lake {

namespace {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};

// '?' placeholders become $1, $2, ... (catalog SQL never has '?' inside literals).
std::string number_placeholders(std::string_view sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?')
      out += "$" + std::to_string(++n);
    else
      out += c;
  }
  return out;
}

class PostgresCatalogDb : public CatalogDb {
 public:
  explicit PostgresCatalogDb(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK)
      throw CatalogError("cannot connect to PostgreSQL catalog (" + conninfo +
                         "): " + (conn_ ? PQerrorMessage(conn_.get()) : "out of memory"));
    execute("SET client_min_messages = warning", {});
    // snapshot_time is compared as UTC text (expire, time travel), so the session speaks UTC.
    execute("SET TIME ZONE 'UTC'", {});
  }

  CatalogKind kind() const override { return CatalogKind::kPostgres; }

  void do_execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    run(sql, params, nullptr);
  }

  std::vector<Row> do_query(std::string_view sql, const std::vector<SqlValue>& params) override {
    std::vector<Row> rows;
    run(sql, params, &rows);
    return rows;
  }

  void begin_write() override { execute("BEGIN ISOLATION LEVEL READ COMMITTED", {}); }
  void begin_read() override { execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {}); }
  void commit() override { execute("COMMIT", {}); }
  void rollback() override {
    if (PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) execute("ROLLBACK", {});
  }
  bool table_exists(const std::string& name) override {
    return !query(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND "
                "table_name = ?",
                {name})
                .empty();
  }

 private:
  void run(std::string_view sql, const std::vector<SqlValue>& params, std::vector<Row>* rows) {
    std::string text = number_placeholders(sql);
    std::vector<std::string> values(params.size());
    std::vector<const char*> ptrs(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) continue;
      if (auto* n = std::get_if<std::int64_t>(&v))
        values[i] = std::to_string(*n);
      else if (auto* b = std::get_if<bool>(&v))
        values[i] = *b ? "true" : "false";
      else
        values[i] = std::get<std::string>(v);
      ptrs[i] = values[i].c_str();
    }
    std::unique_ptr<PGresult, ResultClearer> res(PQexecParams(conn_.get(), text.c_str(),
                                                              static_cast<int>(params.size()), nullptr,
                                                              ptrs.data(), nullptr, nullptr, 0));
    ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = "PostgreSQL catalog: " + std::string(PQerrorMessage(conn_.get())) +
                        " (in: " + std::string(sql.substr(0, 200)) + ")";
      const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
      std::string code = state ? state : "";
      // unique_violation, serialization_failure, deadlock_detected: another writer won.
      if (code == "23505" || code == "40001" || code == "40P01") throw CommitRace(msg);
      throw CatalogError(msg);
    }
    if (!rows) return;
    int nr = PQntuples(res.get());
    int nc = PQnfields(res.get());
    for (int r = 0; r < nr; ++r) {
      Row row;
      for (int c = 0; c < nc; ++c) {
        if (PQgetisnull(res.get(), r, c))
          row.emplace_back(std::nullopt);
        else
          row.emplace_back(std::string(PQgetvalue(res.get(), r, c),
                                       static_cast<std::size_t>(PQgetlength(res.get(), r, c))));
      }
      rows->push_back(std::move(row));
    }
  }

  std::unique_ptr<PGconn, ConnCloser> conn_;
};

}  // namespace

std::unique_ptr<CatalogDb> open_postgres_catalog(const std::string& conninfo) {
  return std::make_unique<PostgresCatalogDb>(conninfo);
}

}  // namespace pond::lake
