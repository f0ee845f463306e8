#pragma once
#include <atomic>
#include <functional>
#include <mutex>

namespace pond::exec {

// A request to stop, made from another thread (Ctrl-C in the CLI, a button in the UI, a
// `runs cancel` of another process): whoever runs work registers what stopping means while
// it runs (an executor's cancel()), and checks requested() between units of work.
class Cancellation {
 public:
  // Thread-safe; calls the current handler once per request.
  void request() {
    std::lock_guard lock(mutex_);
    requested_ = true;
    if (handler_) handler_();
  }
  bool requested() const { return requested_.load(); }
  // Forgets a request, before the next unit of work of a caller that runs many (the UI, the
  // daemon); a signal-driven process never resets.
  void reset() { requested_ = false; }

  // Scoped registration of what to do on a request; a request made before the scope ran
  // calls the handler at once. Restores "nothing" when destroyed.
  class Scope {
   public:
    Scope(Cancellation& c, std::function<void()> handler) : c_(c) {
      std::lock_guard lock(c_.mutex_);
      c_.handler_ = std::move(handler);
      if (c_.requested_) c_.handler_();
    }
    ~Scope() {
      std::lock_guard lock(c_.mutex_);
      c_.handler_ = nullptr;
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Cancellation& c_;
  };

 private:
  std::atomic<bool> requested_{false};
  std::mutex mutex_;
  std::function<void()> handler_;
};

}  // namespace pond::exec
