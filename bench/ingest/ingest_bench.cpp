// A CSV of N rows, and the same rows as JSON lines, loaded into a lake table by pond's loader
// (ingest::load_resource: DuckDB's read_csv/read_json, parquet files with field ids, one lake
// commit with the load's bookkeeping) against DuckDB's own `COPY (FROM read_csv(...)) TO
// 'x.parquet'` (read_json for JSON lines) on the same file, in the same run. Prints both times,
// the ratio and rows/s per format.
//
//   ingest_bench --dir DIR [--rows N] [--repeat N] [--threads N]
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  long rows = 2000000;
  int repeat = 3;
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--rows") rows = std::stol(argv[i + 1]);
    if (a == "--repeat") repeat = std::stoi(argv[i + 1]);
    if (a == "--threads") threads = std::stoi(argv[i + 1]);
  }
  if (dir.empty()) {
    fmt::print(stderr, "usage: ingest_bench --dir DIR [--rows N] [--repeat N] [--threads N]\n");
    return 2;
  }
  fs::create_directories(dir / "landing");
  Database db = Database::open(":memory:", {{"threads", std::to_string(threads)}});
  Connection con(db);
  std::string csv = (dir / "landing" / "orders.csv").string();
  // Orders-like rows: ids, a timestamp, text, a decimal amount, a small category.
  con.execute(fmt::format(
      "COPY (SELECT range AS order_id, range % 100000 AS customer_id, TIMESTAMP '2024-01-01' + "
      "to_seconds(range % 31536000) AS ordered_at, 'item-' || (range % 5000) AS sku, "
      "round((range % 100000) / 100.0, 2) AS amount, ['new','paid','shipped','returned'][range % 4 + 1] AS "
      "status FROM range({})) TO '{}' (FORMAT csv, HEADER true)",
      rows, csv));
  fmt::print("{} rows of CSV ({:.1f} MB), {} threads, best of {}\n", rows,
             static_cast<double>(fs::file_size(csv)) / 1e6, threads, repeat);

  // The same rows as JSON lines: the second file of (a).
  std::string jsonl = (dir / "landing" / "orders.jsonl").string();
  con.execute("COPY (FROM read_csv('" + csv + "')) TO '" + jsonl + "' (FORMAT json)");

  // One format: DuckDB's COPY of the file to parquet against pond's load into the lake, best of
  // `repeat`; false when pond loaded another number of rows.
  auto compare = [&](const std::string& file, const std::string& reader, const std::string& what) {
    double best_duck = 1e9, best_pond = 1e9;
    for (int r = 0; r < repeat; ++r) {
      fs::path out = dir / "x.parquet";
      fs::remove(out);
      auto t0 = std::chrono::steady_clock::now();
      con.execute("COPY (FROM " + reader + "('" + file + "')) TO '" + out.string() + "' (FORMAT parquet)");
      best_duck = std::min(best_duck, seconds_since(t0));

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
      res.path = fs::path(file).lexically_relative(dir).string();
      t0 = std::chrono::steady_clock::now();
      pond::ingest::LoadResult loaded = pond::ingest::load_resource(lake, con, res, {dir, "bench", ""});
      best_pond = std::min(best_pond, seconds_since(t0));
      if (loaded.rows != rows) {
        fmt::print(stderr, "{}: loaded {} rows, expected {}\n", what, loaded.rows, rows);
        return false;
      }
    }
    fmt::print("{}: DuckDB COPY (FROM {}) TO parquet: {:.3f}s  {:.2f}M rows/s\n", what, reader, best_duck,
               static_cast<double>(rows) / best_duck / 1e6);
    fmt::print("{}: pond ingest (-> lake, one commit):  {:.3f}s  {:.2f}M rows/s\n", what, best_pond,
               static_cast<double>(rows) / best_pond / 1e6);
    fmt::print("{}: ratio pond / DuckDB: {:.2f} (target <= 1.2)\n", what, best_pond / best_duck);
    return true;
  };
  if (!compare(csv, "read_csv", "CSV")) return 1;
  fmt::print("JSON lines: {:.1f} MB\n", static_cast<double>(fs::file_size(jsonl)) / 1e6);
  if (!compare(jsonl, "read_json", "JSON lines")) return 1;
  return 0;
}
