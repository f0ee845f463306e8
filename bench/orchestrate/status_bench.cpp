// Partition status of one asset with 100,000 hourly partitions, half of them materialized, as
// `pond status` computes it (the run store's stretches read, then interval arithmetic), against
// the reference of enumerating every partition key and looking each up in a set of
// materialized keys (what an orchestrator holding a partition object per key does). Two store
// layouts: the half in 50 stretches (backfills of 1,000 partitions) and in 50,000 stretches
// (every other partition, the worst case for stretches). Prints figures and ratios.
//
//   build/release/bench/orchestrate/status_bench [--partitions N] [--repeat N]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "orchestrate/asset_graph.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/status.hpp"
#include "runstore/run_store.hpp"

using namespace pond;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

template <typename F>
double best_of(int repeat, F&& f) {
  double best = 1e300;
  for (int k = 0; k < repeat; ++k) {
    auto t0 = Clock::now();
    f();
    best = std::min(best, ms_since(t0));
  }
  return best;
}

// Fills a store with `n` hourly partitions of asset "events" materialized: every partition in
// [0, n) whose block (of `block` partitions) is even.
void fill(runstore::RunStore& store, std::int64_t start, std::int64_t n, std::int64_t block,
          const std::string& code) {
  store.transaction([&] {
    int run = 0;
    for (std::int64_t b = 0; b * block < n; b += 2) {
      runstore::PartitionRangeRecord r;
      r.asset_key = "events";
      r.range_start = start + b * block * 3600;
      r.range_end = start + std::min(n, (b + 1) * block) * 3600;
      r.status = "materialized";
      r.run_id = "run" + std::to_string(run++);
      r.ts = "2026-01-01T00:00:00Z";
      r.code_version = code;
      store.record_partition_range(r);
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t partitions = 100000;
  int repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--partitions")) partitions = std::stoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeat")) repeat = std::stoi(argv[i + 1]);
  }
  const std::int64_t start = 1420070400;  // 2015-01-01T00:00:00Z
  const std::int64_t now = start + partitions * 3600;
  orchestrate::PondConfig config = orchestrate::parse_pond_config(
      "partitions:\n  hourly: {type: hourly, start: '2015-01-01', timezone: UTC}\n"
      "assets:\n  events: {run: 'true', partitions: hourly}\n",
      "pond.yml");
  orchestrate::AssetGraph graph(nullptr, nullptr, config, {});
  auto events = graph.find("events");
  if (!events) return 1;
  // The code version the ranges carry is the asset's own: nothing is stale by code.
  std::string code = graph.node(*events).code_version;

  auto dir = std::filesystem::temp_directory_path() / ("pond_status_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::printf("partition status of one asset with %lld hourly partitions, half materialized (best of %d)\n",
              static_cast<long long>(partitions), repeat);
  for (std::int64_t block : {partitions / 100, std::int64_t{1}}) {
    auto path = dir / ("state_" + std::to_string(block) + ".db");
    runstore::RunStore store = runstore::RunStore::open(path);
    fill(store, start, partitions, block, code);
    std::vector<orchestrate::AssetStatus> st;
    double pond_ms = best_of(repeat, [&] {
      auto snap = orchestrate::StoreSnapshot::read(store);
      st = orchestrate::asset_status(graph, snap, {*events}, now);
    });
    double read_ms = best_of(repeat, [&] { (void)orchestrate::StoreSnapshot::read(store); });
    std::printf("  (of which reading the store: %.2f ms)\n", read_ms);
    // The reference: every key enumerated and looked up among the materialized keys (keys as
    // strings, as orchestrators key partitions).
    const auto* def = graph.node(*events).partitions;
    std::set<std::string> materialized;
    for (const auto& r : store.partition_ranges_of("events"))
      for (std::int64_t t = r.range_start; t < r.range_end; t += 3600)
        materialized.insert(def->key("", (t - start) / 3600));
    std::int64_t ref_count = 0;
    double ref_ms = best_of(repeat, [&] {
      ref_count = 0;
      for (std::int64_t k = 0; k < partitions; ++k) ref_count += materialized.count(def->key("", k));
    });
    std::size_t stretches = store.partition_ranges_of("events").size();
    std::printf(
        "  %7zu stretches: pond %8.2f ms (materialized %lld, missing %lld)  enumerate keys %8.2f ms "
        "(materialized %lld)  ratio %.1fx\n",
        stretches, pond_ms, static_cast<long long>(st[0].materialized), static_cast<long long>(st[0].missing),
        ref_ms, static_cast<long long>(ref_count), ref_ms / pond_ms);
    if (st[0].materialized != ref_count) {
      std::fprintf(stderr, "status disagrees with the enumeration\n");
      return 1;
    }
  }
  if (!std::getenv("KEEP")) std::filesystem::remove_all(dir);
  return 0;
}
