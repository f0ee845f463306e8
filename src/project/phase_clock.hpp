#pragma once
// Phase timings at debug level (`--log-level debug`): wall and process CPU time (all threads)
// since the previous lap, so a phase's cost can be judged on a machine loaded by others.
#include <time.h>

#include <chrono>

#include "common/log.hpp"

namespace pond::project {

class PhaseClock {
 public:
  explicit PhaseClock(const char* what) : what_(what) {}

  void lap(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    double cpu = cpu_ms();
    log::debug("{} phase {}: {:.1f} ms wall, {:.1f} ms cpu", what_, phase,
               std::chrono::duration<double, std::milli>(now - last_).count(), cpu - last_cpu_);
    last_ = now;
    last_cpu_ = cpu;
  }

 private:
  static double cpu_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }

  const char* what_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  double last_cpu_ = cpu_ms();
};

}  // namespace pond::project
