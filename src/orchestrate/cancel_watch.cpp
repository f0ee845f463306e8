#include "orchestrate/cancel_watch.hpp"

#include "common/log.hpp"

namespace pond::orchestrate {

CancelWatch::CancelWatch(runstore::RunStore store, std::string run_id, exec::Cancellation& cancel,
                         std::chrono::milliseconds every)
    : store_(std::move(store)), run_id_(std::move(run_id)), cancel_(cancel), every_(every) {
  thread_ = std::thread([this] { loop(); });
}

CancelWatch::~CancelWatch() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CancelWatch::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (wake_.wait_for(lock, every_, [this] { return stop_; })) return;
    bool requested = false;
    try {
      requested = store_.run_cancel_requested(run_id_);
    } catch (const std::exception& e) {  // a busy store: ask again next time
      log::debug("cancel watch of run {}: {}", run_id_, e.what());
    }
    if (requested) {
      log::info("run {} cancelled from another process", run_id_);
      cancel_.request();
      return;
    }
  }
}

}  // namespace pond::orchestrate
