// Fills a run store for bench/orchestrate/run's graph benchmark (b): every partitioned asset of a
// pond.yml gets half of its daily partitions recorded as materialized, in stretches of `block`
// partitions (every other stretch), with the asset's own code version, so that `pond status`
// and `pond backfill --mode missing` have real history to read.
//
//   fill_store POND_YML STATE_DB [--block N]
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "orchestrate/asset_graph.hpp"
#include "orchestrate/config.hpp"
#include "runstore/run_store.hpp"

using namespace pond;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fill_store POND_YML STATE_DB [--block N]\n");
    return 2;
  }
  std::int64_t block = 55;
  if (argc == 5 && !std::strcmp(argv[3], "--block")) block = std::stoll(argv[4]);
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  orchestrate::PondConfig config = orchestrate::parse_pond_config(text.str(), argv[1]);
  orchestrate::AssetGraph graph(nullptr, nullptr, config, {});
  runstore::RunStore store = runstore::RunStore::open(argv[2]);
  const std::int64_t start = 1672531200;  // 2023-01-01T00:00:00Z, the definition's start
  const std::int64_t days = 1096;         // to 2026-01-01
  std::size_t ranges = 0;
  store.transaction([&] {
    for (const auto& node : graph.nodes()) {
      if (!node.partitions) continue;
      for (std::int64_t b = 0; b * block < days; b += 2) {
        runstore::PartitionRangeRecord r;
        r.asset_key = node.key;
        r.range_start = start + b * block * 86400;
        r.range_end = start + std::min(days, (b + 1) * block) * 86400;
        r.status = "materialized";
        r.run_id = "fill" + std::to_string(b);
        r.ts = "2026-01-02T00:00:00Z";
        r.code_version = node.code_version;
        store.record_partition_range(r);
        ++ranges;
      }
    }
  });
  std::printf("%zu stretches recorded for %zu assets\n", ranges, graph.size());
  return 0;
}
