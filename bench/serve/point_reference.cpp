// The in-process reference for bench/serve: the same point query on the same lake, shown to
// DuckDB as pond serve shows it (Lake::attach views), prepared once and run N times on one
// connection. Prints queries per second.
//
//   serve_point_reference PROJECT_DIR CATALOG DATA_PATH SQL SECONDS MAX_ID
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/prepared_statement.hpp"
#include "lake/lake.hpp"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s PROJECT_DIR CATALOG DATA_PATH SQL SECONDS MAX_ID\n", argv[0]);
    return 2;
  }
  using namespace pond;
  lake::LakeConfig config;
  config.base_dir = argv[1];
  config.catalog = argv[2];
  config.data_path = argv[3];
  lake::Lake lake = lake::Lake::open(config, false);
  engine::Database db = engine::Database::open(":memory:");
  engine::Connection con(db);
  lake.attach(con);
  engine::PreparedStatement stmt = con.prepare(argv[4]);
  double seconds = std::stod(argv[5]);
  std::int64_t max_id = std::stoll(argv[6]);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> id(1, max_id);
  auto cpu_seconds = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto sec = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return sec(u.ru_utime) + sec(u.ru_stime);
  };
  double cpu_start = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  long n = 0;
  for (;; ++n) {
    stmt.bind(1, id(rng));
    auto rows = stmt.execute().rows_as_text();
    if (rows.size() != 1) {
      std::fprintf(stderr, "expected one row, got %zu\n", rows.size());
      return 1;
    }
    if (n % 64 == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= seconds)
      break;
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Queries per second, then CPU microseconds per query (all of DuckDB's threads).
  std::printf("%.1f %.0f\n", static_cast<double>(n) / elapsed,
              (cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(n));
  return 0;
}
