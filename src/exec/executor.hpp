#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exec/step.hpp"

namespace pond::engine {
class Database;
class Connection;
}  // namespace pond::engine

namespace pond::exec {

struct ExecutorOptions {
  int threads = 1;
  bool fail_fast = false;  // first error/fail: interrupt running steps, start no new ones
  // At most this many steps of a pool (StepInfo::pool) run at once; pools not named here have
  // no limit. A ready step whose pool is full waits while other ready steps go first.
  std::map<std::string, int> pool_limits;
  std::string run_id;  // the run the steps belong to (they tag what they write with it)
};

// Told about steps as they start and finish; called from worker threads, one call at a time.
class ExecutorListener {
 public:
  virtual ~ExecutorListener() = default;
  virtual void on_start(const StepInfo& /*info*/, int /*index*/, int /*total*/) {}
  virtual void on_finish(const StepResult& /*result*/, int /*total*/) {}
  // A part of a step (a microbatch batch, ...) started or finished while the step runs.
  virtual void on_part(const StepInfo& /*info*/, const PartProgress& /*part*/) {}
  // A running step's live status (StepContext::report_status).
  virtual void on_status(const StepInfo& /*info*/, const std::string& /*status*/) {}
};

struct RunOutcome {
  std::vector<StepResult> results;  // in completion order
  double elapsed = 0;               // seconds
  bool cancelled = false;           // cancel() was called (Ctrl-C)
  bool fail_fast_triggered = false;
  bool success() const;  // no error/fail and not cancelled
};

// Runs a DAG of steps with N worker threads (no process per step). Each worker lends its own
// connection to the run's database to the steps that ask for one. Steps start in dependency
// order (ties: the order given); the descendants of a failed step are skipped while
// independent branches go on.
class Executor {
 public:
  // `db`: the database steps' connections come from (null: steps cannot ask for one).
  Executor(const engine::Database* db, ExecutorOptions options);
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
  std::vector<std::unique_ptr<engine::Connection>> pool_;  // per worker, opened on first use
  std::vector<char> busy_;                                 // per worker, guarded by mutex_
  std::mutex mutex_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace pond::exec

namespace pond::exec {

// Forwards to several listeners in order.
class FanOut : public ExecutorListener {
 public:
  explicit FanOut(std::vector<ExecutorListener*> listeners) : listeners_(std::move(listeners)) {}
  void on_start(const StepInfo& info, int index, int total) override {
    for (auto* l : listeners_) l->on_start(info, index, total);
  }
  void on_finish(const StepResult& result, int total) override {
    for (auto* l : listeners_) l->on_finish(result, total);
  }
  void on_part(const StepInfo& info, const PartProgress& part) override {
    for (auto* l : listeners_) l->on_part(info, part);
  }
  void on_status(const StepInfo& info, const std::string& status) override {
    for (auto* l : listeners_) l->on_status(info, status);
  }

 private:
  std::vector<ExecutorListener*> listeners_;
};

}  // namespace pond::exec
