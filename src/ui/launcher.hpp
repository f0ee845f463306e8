#pragma once
// Starts the runs the UI queues, on a thread of its own, the way `pond runs launch` does
// (orchestrate::launch_queued_runs): the UI submits a run to the run queue like
// `pond materialize --submit`, then wakes the launcher. Each launch loads the project afresh,
// so a run sees the code as it is when it starts.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "dbt/options.hpp"
#include "exec/cancellation.hpp"

namespace pond::ui {

class Launcher {
 public:
  explicit Launcher(dbt::GlobalOptions options);
  // Cancels the run in progress (its steps stop, it is recorded cancelled) and waits for it.
  ~Launcher();
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  // Launches the queued runs (now, or after the current launch).
  void wake();

 private:
  void loop();
  dbt::GlobalOptions options_;
  exec::Cancellation cancel_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace pond::ui
