#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "orchestrate/executor.hpp"
#include "orchestrate/run_store.hpp"

namespace pond::orchestrate {

// Records a run in the run store as the executor reports it: a step row when a step starts
// (status running) and when it finishes, step events, a materialization for every relation
// built, a check for every test. Writes are batched and leave the workers' path: a writer
// thread commits what is pending in one transaction every `flush_interval` (and at finish()),
// because many small commits next to DuckDB's fsync'ed WAL cost milliseconds per step on a
// journaling file system. A step that starts and finishes within one batch is written once.
// A process killed mid-run loses at most the rows of the last interval; its run row stays
// "running" and the run counts as interrupted.
class RunRecorder : public ExecutorListener {
 public:
  RunRecorder(RunStore& store, std::string run_id,
              std::chrono::milliseconds flush_interval = std::chrono::milliseconds(250));
  // Writes what is pending (errors ignored: finish() is the place to see them), stops the writer.
  ~RunRecorder() override;
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  void on_start(const StepInfo& info, int index, int total) override;
  void on_finish(const StepResult& result, int total) override;

  // Writes what is pending, stops the writer; then the run row's final status and summary
  // (success, error or cancelled). Throws the first store error of the run.
  void finish(const RunOutcome& outcome);
  // Waits until everything queued so far is in the store; throws the first store error.
  void flush();

 private:
  // A pending write; `start_of` names the step whose "running" row it is.
  struct Write {
    std::string start_of;
    std::function<void()> apply;
  };
  void queue(Write write);
  void loop();
  void stop();
  RunStore& store_;
  std::string run_id_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable cv_;       // wakes the writer (flush asked, stopping)
  std::condition_variable written_;  // wakes flush() callers
  std::vector<Write> pending_;
  std::unordered_map<std::string, std::size_t> started_;  // step -> its "running" row in pending_
  bool flush_asked_ = false;
  bool writing_ = false;
  bool stopping_ = false;
  std::string error_;
  std::thread writer_;
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
