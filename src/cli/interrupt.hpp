#pragma once
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "exec/cancellation.hpp"

namespace pond::cli {

// Turns Ctrl-C (SIGINT) and SIGTERM into a clean stop: the first signal requests the process's
// cancellation (whose handler, e.g. an executor's cancel(), runs on a normal thread, not in a
// signal handler); a second one exits at once with 130.
// Construct it first thing in main, before any other thread exists, so that every thread
// inherits the blocked signal mask.
class InterruptWatcher {
 public:
  InterruptWatcher();
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  bool interrupted() const { return cancellation_.requested(); }
  exec::Cancellation& cancellation() { return cancellation_; }

 private:
  void run();
  exec::Cancellation cancellation_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace pond::cli
