#include "ui/launcher.hpp"

#include <sstream>

#include "common/log.hpp"
#include "orchestrate/run_queue.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::ui {

Launcher::Launcher(dbt::GlobalOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { loop(); });
}

Launcher::~Launcher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cancel_.request();
  wake_.notify_all();
  thread_.join();
}

void Launcher::wake() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  wake_.notify_all();
}

void Launcher::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || pending_; });
    if (stop_) return;
    pending_ = false;
    lock.unlock();
    std::ostringstream out;
    try {
      orchestrate::Workspace ws(options_);
      int code = orchestrate::launch_queued_runs(ws, cancel_, out);
      log::info("ui: launched queued runs (exit code {})", code);
    } catch (const std::exception& e) {
      // The run is recorded (failed or never started); the UI shows it from the run store.
      log::error("ui: launching queued runs: {}", e.what());
    }
    log::debug("ui: launcher output:\n{}", out.str());
    lock.lock();
  }
}

}  // namespace pond::ui
