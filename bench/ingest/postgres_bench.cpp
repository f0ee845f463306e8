// (b) A PostgreSQL table of N rows loaded into a lake table by pond's loader (ingest::load_resource,
// `from: postgres`: COPY ... TO STDOUT csv streamed to a file, read_csv with the catalog's types,
// one lake commit) against the same `COPY (SELECT * FROM t) TO STDOUT (FORMAT csv)` into a file
// plus DuckDB's own `COPY (FROM read_csv(...)) TO 'x.parquet'` of it, in the same run. Prints both
// times, the ratio and rows/s. The server is the caller's (bench/ingest/run starts one).
//
//   postgres_bench --dir DIR --conninfo CONNINFO [--rows N] [--repeat N] [--threads N] [--parallel N]
#include <fmt/format.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "ingest/load.hpp"
#include "lake/lake.hpp"

namespace {

namespace fs = std::filesystem;
using pond::engine::Connection;
using pond::engine::Database;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Pg {
  PGconn* c;
  explicit Pg(const std::string& conninfo) : c(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c));
  }
  ~Pg() { PQfinish(c); }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;
  std::string exec(const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    std::string out = st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    std::string error = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw std::runtime_error(sql + ": " + error);
    return out;
  }
  // What psql's \copy does: the rows' CSV into a file.
  void copy_to(const std::string& select, const fs::path& file) {
    PGresult* r = PQexec(c, ("COPY (" + select + ") TO STDOUT (FORMAT csv)").c_str());
    if (PQresultStatus(r) != PGRES_COPY_OUT) throw std::runtime_error(PQresultErrorMessage(r));
    PQclear(r);
    std::vector<char> buffer(1 << 22);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(file.c_str(), "wb"), &std::fclose);
    std::setvbuf(out.get(), buffer.data(), _IOFBF, buffer.size());
    char* row = nullptr;
    int n;
    while ((n = PQgetCopyData(c, &row, 0)) > 0) {
      std::fwrite(row, 1, static_cast<std::size_t>(n), out.get());
      PQfreemem(row);
    }
    PGresult* end = PQgetResult(c);
    bool ok = PQresultStatus(end) == PGRES_COMMAND_OK;
    PQclear(end);
    if (!ok) throw std::runtime_error(PQerrorMessage(c));
    out.reset();
  }
};

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  std::string conninfo;
  long rows = 1000000;
  int repeat = 3;
  int threads = 2;
  int parallel = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--conninfo") conninfo = argv[i + 1];
    if (a == "--rows") rows = std::stol(argv[i + 1]);
    if (a == "--repeat") repeat = std::stoi(argv[i + 1]);
    if (a == "--threads") threads = std::stoi(argv[i + 1]);
    if (a == "--parallel") parallel = std::stoi(argv[i + 1]);
  }
  if (dir.empty() || conninfo.empty()) {
    fmt::print(stderr,
               "usage: postgres_bench --dir DIR --conninfo CONNINFO [--rows N] [--repeat N] [--threads N] "
               "[--parallel N]\n");
    return 2;
  }
  Pg pg(conninfo);
  // Orders-like rows, as bench (a)'s CSV: ids, a timestamp, text, a decimal amount, a status.
  pg.exec("SET client_min_messages = warning");
  pg.exec("DROP TABLE IF EXISTS orders");
  pg.exec(fmt::format(
      "CREATE TABLE orders AS SELECT g AS order_id, g % 100000 AS customer_id, timestamp '2024-01-01' + "
      "make_interval(secs => g % 31536000) AS ordered_at, 'item-' || (g % 5000) AS sku, "
      "round((g % 100000) / 100.0, 2)::numeric(12,2) AS amount, (ARRAY['new','paid','shipped','returned'])[g "
      "% 4 "
      "+ 1] AS status FROM generate_series(0, {} - 1) g",
      rows));
  pg.exec("VACUUM ANALYZE orders");
  fmt::print("{} rows in PostgreSQL ({}), {} threads, best of {}\n", rows,
             pg.exec("SELECT pg_size_pretty(pg_total_relation_size('orders'))"), threads, repeat);

  Database db = Database::open(":memory:", {{"threads", std::to_string(threads)}});
  Connection con(db);
  double best_ref = 1e9, best_pond = 1e9, best_copy = 1e9;
  for (int r = 0; r < repeat; ++r) {
    fs::path csv = dir / "orders.csv";
    fs::path out = dir / "x.parquet";
    fs::remove(out);
    auto t0 = std::chrono::steady_clock::now();
    pg.copy_to("SELECT * FROM orders", csv);
    best_copy = std::min(best_copy, seconds_since(t0));
    con.execute("COPY (FROM read_csv('" + csv.string() +
                "', columns = {'order_id': 'INTEGER', 'customer_id': 'INTEGER', 'ordered_at': 'TIMESTAMP', "
                "'sku': 'VARCHAR', 'amount': 'DECIMAL(12,2)', 'status': 'VARCHAR'}, header = false, "
                "auto_detect = false)) TO '" +
                out.string() + "' (FORMAT parquet)");
    best_ref = std::min(best_ref, seconds_since(t0));
    fs::remove(csv);

    fs::remove_all(dir / "lake");
    pond::lake::LakeConfig c;
    c.catalog = "sqlite:lake/catalog.sqlite";
    c.data_path = "lake/data/";
    c.base_dir = dir;
    fs::create_directories(dir / "lake");
    pond::lake::Lake lake = pond::lake::Lake::open(c);
    pond::ingest::ResourceConfig res;
    res.name = "orders";
    res.table = "orders";
    res.source = pond::ingest::SourceKind::kPostgres;
    res.incremental = pond::ingest::Incremental::kNone;
    res.postgres.connection = conninfo;
    res.postgres.source_table = "orders";
    res.postgres.parallel = parallel;
    res.postgres.parallel_key = "order_id";
    t0 = std::chrono::steady_clock::now();
    pond::ingest::LoadResult loaded = pond::ingest::load_resource(lake, con, res, {dir, "bench", ""});
    best_pond = std::min(best_pond, seconds_since(t0));
    if (loaded.rows != rows) {
      fmt::print(stderr, "loaded {} rows, expected {}\n", loaded.rows, rows);
      return 1;
    }
  }
  fmt::print("COPY TO STDOUT into a file:                      {:.3f}s\n", best_copy);
  fmt::print("  + DuckDB COPY (FROM read_csv) TO parquet:      {:.3f}s  {:.2f}M rows/s\n", best_ref,
             static_cast<double>(rows) / best_ref / 1e6);
  fmt::print("pond ingest (from: postgres, {} connection(s)):    {:.3f}s  {:.2f}M rows/s\n", parallel,
             best_pond, static_cast<double>(rows) / best_pond / 1e6);
  fmt::print("ratio pond / reference: {:.2f} (target <= 1.3)\n", best_pond / best_ref);
  return 0;
}
