#pragma once
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "orchestrate/executor.hpp"
#include "orchestrate/run_store.hpp"

namespace pond::orchestrate {

// Records a run in the run store as the executor reports it: a step row when a step starts
// (status running) and when it finishes, step events, a materialization for every relation
// built, a check for every test. Writes are batched: they reach the store in one transaction
// at most every `flush_interval` (and at finish()), because many small commits next to DuckDB's
// fsync'ed WAL cost milliseconds per step on a journaling file system.
class RunRecorder : public ExecutorListener {
 public:
  RunRecorder(RunStore& store, std::string run_id,
              std::chrono::milliseconds flush_interval = std::chrono::milliseconds(250))
      : store_(store), run_id_(std::move(run_id)), interval_(flush_interval) {}
  void on_start(const StepInfo& info, int index, int total) override;
  void on_finish(const StepResult& result, int total) override;

  // Writes what is pending; then the run row's final status and summary (success, error or
  // cancelled).
  void finish(const RunOutcome& outcome);
  void flush();

 private:
  void queue(std::function<void()> write);
  RunStore& store_;
  std::string run_id_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::vector<std::function<void()>> pending_;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

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
  void on_batch(const StepInfo& info, const BatchProgress& batch) override {
    for (auto* l : listeners_) l->on_batch(info, batch);
  }

 private:
  std::vector<ExecutorListener*> listeners_;
};

}  // namespace pond::orchestrate
