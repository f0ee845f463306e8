#pragma once
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace pond::cli {

// Turns Ctrl-C (SIGINT) and SIGTERM into a clean stop: the first signal sets interrupted()
// and calls the current on_interrupt handler (e.g. Connection::interrupt) from a normal
// thread, not from a signal handler; a second one exits at once with 130.
// Construct it first thing in main, before any other thread exists, so that every thread
// inherits the blocked signal mask.
class InterruptWatcher {
 public:
  InterruptWatcher();
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  bool interrupted() const { return interrupted_.load(); }

  // Scoped registration of what to do on interrupt; restores "nothing" when destroyed.
  class Scope {
   public:
    Scope(InterruptWatcher& watcher, std::function<void()> handler);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    InterruptWatcher& watcher_;
  };

 private:
  void run();
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::function<void()> handler_;
  std::thread thread_;
};

}  // namespace pond::cli
