// (c) REST: N pages (default 2,000) served by a local HTTP server (cpp-httplib, in this process)
// loaded into a lake table by pond's loader (from: rest, page paginator: requests through
// libcurl, JSON parsed, records to JSON lines, read_json, one lake commit) against the
// transport alone: the same pages fetched with a bare libcurl loop on one kept-alive
// connection, bodies discarded. Prints pages/s of each and the ratios; pond runs with one
// request at a time and with --parallel (default 8).
//
//   rest_bench --dir DIR [--pages N] [--per-page N] [--repeat N] [--parallel N] [--latency-ms N]
#include <curl/curl.h>
#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "ingest/load.hpp"
#include "lake/lake.hpp"

namespace {

namespace fs = std::filesystem;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::size_t discard(char*, std::size_t size, std::size_t n, void* bytes) {
  *static_cast<std::size_t*>(bytes) += size * n;
  return size * n;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  long pages = 2000;
  long per_page = 50;
  int repeat = 3;
  int parallel = 8;
  int latency_ms = 0;  // the server waits this long before each answer (a remote API's round trip)
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--pages") pages = std::stol(argv[i + 1]);
    if (a == "--per-page") per_page = std::stol(argv[i + 1]);
    if (a == "--repeat") repeat = std::stoi(argv[i + 1]);
    if (a == "--parallel") parallel = std::stoi(argv[i + 1]);
    if (a == "--latency-ms") latency_ms = std::stoi(argv[i + 1]);
  }
  if (dir.empty()) {
    fmt::print(stderr, "usage: rest_bench --dir DIR [--pages N] [--per-page N] [--repeat N]\n");
    return 2;
  }
  // The pages are made once: the server's time is the same for both sides.
  std::vector<std::string> bodies(static_cast<std::size_t>(pages) + 1, "[]");
  for (long p = 0; p < pages; ++p) {
    std::string b = "[";
    for (long i = 0; i < per_page; ++i) {
      long id = p * per_page + i;
      b += fmt::format(
          "{}{{\"id\": {}, \"customer\": {}, \"sku\": \"item-{}\", \"amount\": {}.{:02d}, \"status\": "
          "\"paid\", "
          "\"updated_at\": \"2024-01-01T00:{:02d}:{:02d}Z\"}}",
          i ? ", " : "", id, id % 1000, id % 5000, id % 1000, id % 100, (id / 60) % 60, id % 60);
    }
    bodies[static_cast<std::size_t>(p)] = b + "]";
  }
  httplib::Server server;
  server.Get("/items", [&](const httplib::Request& q, httplib::Response& res) {
    if (latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
    long page = q.has_param("page") ? std::stol(q.get_param_value("page")) : 1;
    const std::string& body =
        page >= 1 && page <= pages ? bodies[static_cast<std::size_t>(page - 1)] : bodies.back();
    res.set_content(body, "application/json");
  });
  server.set_tcp_nodelay(true);  // else each response waits out a delayed ACK (40 ms)
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string url = fmt::format("http://127.0.0.1:{}/items", port);
  fmt::print("{} pages of {} records ({:.1f} MB of JSON), {} ms server latency, best of {}\n", pages,
             per_page, static_cast<double>(pages) * static_cast<double>(bodies[0].size()) / 1e6, latency_ms,
             repeat);

  pond::engine::Database db = pond::engine::Database::open(":memory:", {{"threads", "2"}});
  pond::engine::Connection con(db);
  double best_curl = 1e9, best_pond = 1e9, best_parallel = 1e9;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  for (int r = 0; r < repeat; ++r) {
    CURL* c = curl_easy_init();
    std::size_t bytes = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (long p = 1; p <= pages + 1; ++p) {
      std::string u = url + "?page=" + std::to_string(p);
      curl_easy_setopt(c, CURLOPT_URL, u.c_str());
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
      curl_easy_setopt(c, CURLOPT_WRITEDATA, &bytes);
      curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");  // as pond asks
      if (curl_easy_perform(c) != CURLE_OK) {
        fmt::print(stderr, "curl failed on page {}\n", p);
        return 1;
      }
    }
    best_curl = std::min(best_curl, seconds_since(t0));
    curl_easy_cleanup(c);

    // pond: one request at a time, then `parallel` at a time.
    for (int par : {1, parallel}) {
      fs::remove_all(dir / "lake");
      pond::lake::LakeConfig lc;
      lc.catalog = "sqlite:lake/catalog.sqlite";
      lc.data_path = "lake/data/";
      lc.base_dir = dir;
      fs::create_directories(dir / "lake");
      pond::lake::Lake lake = pond::lake::Lake::open(lc);
      pond::ingest::ResourceConfig res;
      res.name = "items";
      res.table = "items";
      res.source = pond::ingest::SourceKind::kRest;
      res.incremental = pond::ingest::Incremental::kNone;
      res.rest.url = url;
      res.rest.paginator.type = pond::ingest::PaginatorType::kPage;
      res.rest.paginator.start = 1;
      res.rest.parallel = par;
      t0 = std::chrono::steady_clock::now();
      pond::ingest::LoadResult loaded = pond::ingest::load_resource(lake, con, res, {dir, "bench", ""});
      double took = seconds_since(t0);
      double& best = par == 1 ? best_pond : best_parallel;
      best = std::min(best, took);
      if (loaded.rows != pages * per_page || loaded.pages != pages + 1) {
        fmt::print(stderr, "loaded {} rows from {} pages, expected {} from {}\n", loaded.rows, loaded.pages,
                   pages * per_page, pages + 1);
        return 1;
      }
    }
  }
  server.stop();
  listener.join();
  fmt::print("libcurl alone (fetch, discard):        {:.3f}s  {:.0f} pages/s\n", best_curl,
             static_cast<double>(pages + 1) / best_curl);
  fmt::print("pond ingest (fetch, parse, lake commit): {:.3f}s  {:.0f} pages/s  {:.0f} rows/s\n", best_pond,
             static_cast<double>(pages + 1) / best_pond, static_cast<double>(pages * per_page) / best_pond);
  fmt::print("pond ingest, {} requests at a time:     {:.3f}s  {:.0f} pages/s  {:.0f} rows/s\n", parallel,
             best_parallel, static_cast<double>(pages + 1) / best_parallel,
             static_cast<double>(pages * per_page) / best_parallel);
  fmt::print("ratio pond / libcurl: {:.2f} (1 at a time), {:.2f} ({} at a time)\n", best_pond / best_curl,
             best_parallel / best_curl, parallel);
  return 0;
}
