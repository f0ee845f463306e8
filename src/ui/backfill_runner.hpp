#pragma once
// Runs the backfills the UI records, one after another on a thread of its own, the way
// `pond backfill` runs the one it records (orchestrate::run_recorded_backfill), on a workspace
// of its own loaded when the backfill starts. Stopping the UI cancels the backfill in progress
// (recorded cancelled; `pond backfill resume ID` goes on with it).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "dbt/options.hpp"
#include "exec/cancellation.hpp"

namespace pond::ui {

class BackfillRunner {
 public:
  explicit BackfillRunner(dbt::GlobalOptions options);
  ~BackfillRunner();
  BackfillRunner(const BackfillRunner&) = delete;
  BackfillRunner& operator=(const BackfillRunner&) = delete;

  // Runs the recorded backfill (now, or after those before it).
  void run(std::string backfill_id);

 private:
  void loop();
  dbt::GlobalOptions options_;
  exec::Cancellation cancel_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> pending_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace pond::ui
