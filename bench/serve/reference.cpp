// The in-process reference for bench/serve: a query on the same lake, shown to DuckDB as pond
// serve shows it (Lake::attach views), prepared once and run for SECONDS on one connection,
// every value made text once as it streams by (what the server sends). With MAX_ID > 0 the query's $1 is a
// random id from 1 to MAX_ID each time (the point query).
//
//   serve_reference PROJECT_DIR CATALOG DATA_PATH SQL SECONDS MAX_ID
//
// Prints one line: queries/s, CPU microseconds per query (all of DuckDB's threads), p50 and
// p99 latency in microseconds, rows per query.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "engine/prepared_statement.hpp"
#include "lake/lake.hpp"

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s PROJECT_DIR CATALOG DATA_PATH SQL SECONDS MAX_ID\n", argv[0]);
    return 2;
  }
  using namespace pond;
  using Clock = std::chrono::steady_clock;
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
  std::uniform_int_distribution<std::int64_t> id(1, std::max<std::int64_t>(max_id, 1));
  std::vector<double> latencies;
  std::size_t rows = 0;
  std::size_t text_bytes = 0;
  double cpu_start = cpu_seconds();
  auto start = Clock::now();
  for (;;) {
    auto begin = Clock::now();
    if (max_id > 0) stmt.bind(1, id(rng));
    rows = 0;
    engine::Result result = stmt.execute();
    while (auto chunk = result.next_chunk()) {  // streamed, each value made text once, as the server does
      for (std::size_t r = 0; r < chunk->size(); ++r)
        for (std::size_t c = 0; c < chunk->column_count(); ++c)
          if (auto v = chunk->get_optional<std::string>(c, r)) text_bytes += v->size();
      rows += chunk->size();
    }
    auto end = Clock::now();
    if (rows == 0 || text_bytes == 0) {
      std::fprintf(stderr, "the query returned no row\n");
      return 1;
    }
    latencies.push_back(std::chrono::duration<double, std::micro>(end - begin).count());
    if (std::chrono::duration<double>(end - start).count() >= seconds) break;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu = cpu_seconds() - cpu_start;
  auto n = static_cast<double>(latencies.size());
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) { return latencies[static_cast<std::size_t>(p * (n - 1))]; };
  std::printf("%.1f %.0f %.0f %.0f %zu\n", n / elapsed, cpu * 1e6 / n, percentile(0.5), percentile(0.99),
              rows);
  return 0;
}
