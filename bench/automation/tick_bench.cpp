// Issue 19's benchmarks (a) and (b): the daemon's declarative-automation evaluation over a
// generated graph of 10,000 partitioned command assets (daily partitions over 3 years, half
// materialized in stretches, conditions on every asset: a third on_cron, a third eager, a third
// on_missing of the latest window), one evaluation per simulated 30 s tick, as `pond daemon`
// runs it: p50/p99/max of a tick, and this process's resident memory after 100 ticks and at the
// end (no growth expected: the evaluator keeps one evaluation per asset, not a history).
// Runs the ticks request are queued in the run store (they are not executed: a queued run counts
// as in progress, so an asset is requested again only when its condition says so).
//
//   tick_bench PROJECT_DIR [--ticks N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "automation/automation_evaluator.hpp"
#include "orchestrate/workspace.hpp"

using namespace pond;
using Clock = std::chrono::steady_clock;

namespace {

// VmRSS of this process in MB.
double rss_mb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tick_bench PROJECT_DIR [--ticks N]\n");
    return 2;
  }
  int ticks = 10000;
  if (argc == 4 && !std::strcmp(argv[2], "--ticks")) ticks = std::stoi(argv[3]);
  dbt::GlobalOptions options;
  options.project_dir = argv[1];
  options.profiles_dir = argv[1];
  options.quiet = true;
  auto t_load = Clock::now();
  orchestrate::Workspace ws(options);
  automation::AutomationEvaluator evaluator(ws);
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_load).count();
  std::ostringstream sink;
  const automation::EpochSeconds t0 = 1774656000;  // 2026-03-28T00:00:00Z
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(ticks));
  double rss_100 = 0;
  long requested = 0;
  for (int k = 0; k < ticks; ++k) {
    auto t = Clock::now();
    requested += evaluator.evaluate(ws, t0 + 30 * k, sink);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    sink.str("");
    if (k + 1 == 100) rss_100 = rss_mb();
  }
  const double rss_end = rss_mb();
  std::printf("  project loaded and evaluator built: %.0f ms\n", load_ms);
  std::printf("  %d ticks (30 s apart, %.1f simulated days), %ld runs requested\n", ticks,
              ticks * 30 / 86400.0, requested);
  std::printf(
      "  tick: first %.1f ms, p50 %.2f ms, p99 %.2f ms, max %.1f ms (targets: p50 < 50 ms, p99 < 200 ms)\n",
      ms.front(), percentile(ms, 0.5), percentile(ms, 0.99), *std::max_element(ms.begin(), ms.end()));
  std::printf(
      "  RSS after 100 ticks %.1f MB, after %d ticks %.1f MB (%+.1f%%; targets: < 100 MB, within 5%%)\n",
      rss_100, ticks, rss_end, rss_100 > 0 ? (rss_end - rss_100) / rss_100 * 100 : 0.0);
  return 0;
}
