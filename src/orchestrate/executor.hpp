#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/time.hpp"  // iso_utc_now, used with the executor's results
#include "orchestrate/step.hpp"

namespace pond::engine {
class Database;
class Connection;
}  // namespace pond::engine

namespace pond::orchestrate {

struct ExecutorOptions {
  int threads = 1;
  bool fail_fast = false;  // first error/fail: interrupt running steps, start no new ones
};

// Told about steps as they start and finish; called from worker threads, one call at a time.
class ExecutorListener {
 public:
  virtual ~ExecutorListener() = default;
  virtual void on_start(const StepInfo& /*info*/, int /*index*/, int /*total*/) {}
  virtual void on_finish(const StepResult& /*result*/, int /*total*/) {}
  // A batch of a microbatch model started or finished, while its step runs.
  virtual void on_batch(const StepInfo& /*info*/, const BatchProgress& /*batch*/) {}
};

struct RunOutcome {
  std::vector<StepResult> results;  // in completion order
  double elapsed = 0;               // seconds
  bool cancelled = false;           // cancel() was called (Ctrl-C)
  bool fail_fast_triggered = false;
  bool success() const;  // no error/fail and not cancelled
};

// Runs a DAG of steps with N worker threads, each with its own connection to one database
// (no process per step). Steps start in dependency order (ties: the order given); the
// descendants of a failed step are skipped while independent branches go on.
class Executor {
 public:
  Executor(const engine::Database& db, ExecutorOptions options);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Throws std::invalid_argument on a dependency cycle.
  RunOutcome run(const std::vector<Step*>& steps, ExecutorListener* listener = nullptr);

  // Thread-safe (e.g. from the Ctrl-C watcher): interrupts the running statements and starts
  // no new step; unstarted steps are reported as skipped.
  void cancel();

 private:
  void interrupt_running();
  const engine::Database* db_;
  ExecutorOptions options_;
  std::vector<std::unique_ptr<engine::Connection>> pool_;
  std::vector<char> busy_;  // per pool connection, guarded by mutex_
  std::mutex mutex_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace pond::orchestrate
