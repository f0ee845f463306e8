#include "ui/backfill_runner.hpp"

#include <optional>
#include <sstream>

#include "common/log.hpp"
#include "orchestrate/backfill.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::ui {

BackfillRunner::BackfillRunner(dbt::GlobalOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { loop(); });
}

BackfillRunner::~BackfillRunner() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cancel_.request();
  wake_.notify_all();
  thread_.join();
}

void BackfillRunner::run(std::string backfill_id) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(backfill_id));
  }
  wake_.notify_all();
}

void BackfillRunner::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || !pending_.empty(); });
    if (stop_) return;
    std::string id = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    std::ostringstream out;
    std::optional<orchestrate::Workspace> ws;
    try {
      ws.emplace(options_);
      int code = orchestrate::run_recorded_backfill(*ws, id, cancel_, out);
      log::info("ui: backfill {} finished (exit code {})", id, code);
    } catch (const std::exception& e) {
      // Recorded failed, so that it does not show as running while this process lives; its
      // runs are in the run store and `pond backfill resume` goes on with it.
      log::error("ui: backfill {}: {}", id, e.what());
      try {
        if (ws) ws->store().finish_backfill(id, "failed");
      } catch (const std::exception& e2) {
        log::error("ui: recording backfill {} failed: {}", id, e2.what());
      }
    }
    log::debug("ui: backfill output:\n{}", out.str());
    lock.lock();
  }
}

}  // namespace pond::ui
