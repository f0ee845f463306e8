// The daemon's schedule evaluation over 1,000 schedules (each on its own command asset), as
// `pond daemon` does it on every loop:
//  - a pass where no schedule is due (the steady state: read each schedule's state, find no
//    tick), and
//  - a pass where every schedule is due (each tick planned, recorded with its queued run in one
//    transaction),
// against the reference of queueing the same 1,000 runs with the run store's enqueue_run (what
// `pond materialize --submit` costs per run, without deciding anything). Prints figures and
// ratios.
// And a files sensor over a folder of 100,000 files: its first evaluation (every file new: one
// run queued, every file recorded), an evaluation that finds nothing new (the steady state: the
// daemon's folder watch reports no change), one after 100 files were rewritten, against the
// reference of listing the folder with each file's size and modification time.
//
//   build/release/bench/automation/automation_bench [--schedules N] [--files N] [--repeat N]
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "automation/schedule_evaluator.hpp"
#include "automation/sensor_evaluator.hpp"
#include "common/uuid.hpp"
#include "orchestrate/workspace.hpp"

using namespace pond;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A dbt project without models and a pond.yml with `n` command assets, each with an hourly
// schedule at its own minute.
void write_project(const fs::path& root, int n, int files) {
  write(root / "dbt_project.yml", "name: bench\nversion: '1.0'\nconfig-version: 2\nprofile: bench\n");
  write(root / "profiles.yml",
        "bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: bench.duckdb\n");
  std::ostringstream yml;
  yml << "assets:\n";
  for (int i = 0; i < n; ++i) yml << "  a" << i << ": {run: 'true'}\n";
  yml << "schedules:\n";
  for (int i = 0; i < n; ++i)
    yml << "  s" << i << ": {cron: '" << i % 60 << " * * * *', select: [a" << i << "]}\n";
  yml << "sensors:\n  landing: {type: files, path: landing, glob: '*.csv', select: [a0]}\n";
  write(root / "pond.yml", yml.str());
  fs::create_directories(root / "landing");
  for (int i = 0; i < files; ++i)
    std::ofstream(root / "landing" / ("d" + std::to_string(i % 100)) / ("f" + std::to_string(i) + ".csv"))
        << i;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 1000, files = 100000, repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--schedules")) n = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeat")) repeat = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--files")) files = std::stoi(argv[i + 1]);
  }
  fs::path root = fs::temp_directory_path() / ("pond_automation_bench_" + std::to_string(::getpid()));
  for (int d = 0; d < 100; ++d) fs::create_directories(root / "landing" / ("d" + std::to_string(d)));
  write_project(root, n, files);
  dbt::GlobalOptions options;
  options.project_dir = root;
  options.profiles_dir = root;
  options.quiet = true;
  orchestrate::Workspace ws(options);
  std::ostringstream sink;
  const auto& schedules = ws.config().schedules;
  const automation::EpochSeconds t0 = 1774656000;  // 2026-03-28T00:00:00Z
  // The first pass starts every schedule's cursor.
  for (const auto& s : schedules) automation::evaluate_schedule(ws, s, t0, sink);

  double idle = 1e300, due = 1e300, ref = 1e300;
  int recorded = 0;
  for (int k = 0; k < repeat; ++k) {
    // Every schedule's tick of the next hour is due (minute m of hour k, or the full hour): each
    // is recorded with its run.
    const automation::EpochSeconds at = t0 + (k + 1) * 3600;
    auto t = Clock::now();
    int got = 0;
    for (const auto& s : schedules) got += automation::evaluate_schedule(ws, s, at, sink);
    due = std::min(due, ms_since(t));
    recorded += got;
    if (got != n) {
      std::fprintf(stderr, "expected %d ticks, recorded %d\n", n, got);
      return 1;
    }
    // 30 s later no schedule is due (the next is at minute 1): each is evaluated, none ticks.
    t = Clock::now();
    for (const auto& s : schedules) got += automation::evaluate_schedule(ws, s, at + 30, sink);
    idle = std::min(idle, ms_since(t));
    if (got != n) {
      std::fprintf(stderr, "a tick was recorded where none is due\n");
      return 1;
    }
    // The reference: the same number of runs queued without deciding anything.
    runstore::RunStore& store = ws.store();
    t = Clock::now();
    for (int i = 0; i < n; ++i) {
      runstore::RunRecord r;
      r.run_id = random_uuid();
      r.command = "materialize";
      r.selection = "a" + std::to_string(i);
      store.enqueue_run(r, {{"pond/schedule", "s" + std::to_string(i)}}, true);
    }
    ref = std::min(ref, ms_since(t));
  }
  std::printf("daemon evaluation of %d schedules (best of %d; %d ticks recorded in all)\n", n, repeat,
              recorded);
  std::printf("  no schedule due:    %8.2f ms per pass (%.1f us per schedule)\n", idle, idle * 1000 / n);
  std::printf("  every schedule due: %8.2f ms per pass (%.1f us per tick: plan + record + queue)\n", due,
              due * 1000 / n);
  std::printf(
      "  reference, %d runs queued by enqueue_run: %8.2f ms; ratio due/reference %.2fx, idle/reference "
      "%.2fx\n",
      n, ref, due / ref, idle / ref);

  const auto& sensor = ws.config().sensors.at(0);
  auto t = Clock::now();
  automation::SensorMemory memory;  // as the daemon keeps it
  const bool first_queued = automation::evaluate_sensor(ws, sensor, t0, sink, &memory);
  bool queued_again = false;
  double first = ms_since(t);
  double steady = 1e300, cold = 1e300, list = 1e300;
  for (int k = 0; k < repeat; ++k) {
    t = Clock::now();
    queued_again = automation::evaluate_sensor(ws, sensor, t0 + 60 * (k + 1), sink, &memory) || queued_again;
    steady = std::min(steady, ms_since(t));
    // Without the daemon's memory: the files read back from the store.
    t = Clock::now();
    queued_again = automation::evaluate_sensor(ws, sensor, t0 + 60 * (k + 1) + 30, sink) || queued_again;
    cold = std::min(cold, ms_since(t));
    // The reference: the folder listed with each file's size and modification time.
    t = Clock::now();
    std::int64_t sum = 0;
    for (const auto& e : fs::recursive_directory_iterator(root / "landing")) {
      struct stat st {};
      if (e.is_regular_file() && ::stat(e.path().c_str(), &st) == 0)
        sum += st.st_size + st.st_mtim.tv_nsec % 2;
    }
    list = std::min(list, ms_since(t));
    if (sum == 0) return 1;
  }
  if (!first_queued || queued_again) {
    std::fprintf(stderr, "the sensor's first evaluation queued nothing, or a later one queued again\n");
    return 1;
  }
  // A tick after 100 files were rewritten: the changed files found (by the daemon's folder
  // watch), recorded, and one run queued.
  double changed = 1e300;
  for (int k = 0; k < repeat; ++k) {
    for (int j = 0; j < 100; ++j) {
      const int i = (k * 100 + j) % files;
      std::ofstream(root / "landing" / ("d" + std::to_string(i % 100)) / ("f" + std::to_string(i) + ".csv"))
          << "rewritten " << k;
    }
    t = Clock::now();
    const bool queued = automation::evaluate_sensor(ws, sensor, t0 + 60 * (repeat + k + 1), sink, &memory);
    changed = std::min(changed, ms_since(t));
    if (!queued) {
      std::fprintf(stderr, "100 rewritten files queued no run\n");
      return 1;
    }
  }
  std::printf("files sensor over %d files (best of %d)\n", files, repeat);
  std::printf("  first evaluation (all new: recorded, one run queued): %8.2f ms\n", first);
  std::printf("  evaluation finding nothing new (the daemon's watch):    %8.2f ms\n", steady);
  std::printf("  evaluation after 100 files rewritten (one run queued):  %8.2f ms\n", changed);
  std::printf("  the same without the daemon's memory (listed, store):  %8.2f ms\n", cold);
  std::printf("  reference, listing the folder, one stat per file:       %8.2f ms; ratio %.4fx\n", list,
              steady / list);
  if (!std::getenv("KEEP")) fs::remove_all(root);
  return 0;
}
