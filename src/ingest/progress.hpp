#pragma once
// The progress of one load: rows and bytes read so far, counted by the source as it reads
// (REST pages, PostgreSQL's COPY; files say what they read, and their rows once the commit has
// read them). `show` (optional) gets `1,234,567 rows (412,345 rows/s), 98.1 MiB (32.7 MiB/s)`
// at most 4 times a second (the run's live line on a terminal); `tick` (optional) the numbers
// about once a second (the run's events). Counting is lock-free: sources call add() from any
// thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pond::ingest {

struct ProgressNumbers {
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
  double seconds = 0;
  double rows_per_second = 0;
  double bytes_per_second = 0;
};

class LoadProgress {
 public:
  // `show` and `tick` are called from the progress thread.
  LoadProgress(std::function<void(const std::string&)> show,
               std::function<void(const ProgressNumbers&)> tick);
  ~LoadProgress();
  LoadProgress(const LoadProgress&) = delete;
  LoadProgress& operator=(const LoadProgress&) = delete;

  void add(std::int64_t rows, std::int64_t bytes) {
    rows_.fetch_add(rows, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  // What the source knows at the end (files: the rows the commit read).
  void set_rows(std::int64_t rows) { rows_.store(rows, std::memory_order_relaxed); }
  void set_bytes(std::int64_t bytes) { bytes_.store(bytes, std::memory_order_relaxed); }
  ProgressNumbers numbers() const;
  // What is read while no row is counted yet (files: "reading 3 file(s), 1.2 GiB").
  void set_stage(std::string stage);
  // Stops the thread (the destructor does it too).
  void finish();

  // "1,234,567 rows (412,345 rows/s), 98.1 MiB (32.7 MiB/s)".
  static std::string describe(const ProgressNumbers& n);
  // 1024 -> "1.0 KiB".
  static std::string size(double bytes);

 private:
  void loop();
  std::function<void(const std::string&)> show_;
  std::function<void(const ProgressNumbers&)> tick_;
  std::string stage_;  // under mutex_
  std::chrono::steady_clock::time_point started_;
  std::atomic<std::int64_t> rows_{0}, bytes_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace pond::ingest
