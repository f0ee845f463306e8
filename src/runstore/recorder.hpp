#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "exec/executor.hpp"
#include "runstore/run_store.hpp"

namespace pond::runstore {

// Records a run in the run store as the executor reports it: a step row when a step starts
// (status running) and when it finishes, step events, and exactly the materializations and
// check results each step reports. Writes are batched and leave the workers' path: a writer
// thread commits what is pending in one transaction every `flush_interval` (and at finish()),
// because many small commits next to DuckDB's fsync'ed WAL cost milliseconds per step on a
// journaling file system. A step that starts and finishes within one batch is written once.
// A process killed mid-run loses at most the rows of the last interval; its run row stays
// "running" and the run counts as interrupted.
class RunRecorder : public exec::ExecutorListener {
 public:
  RunRecorder(RunStore& store, std::string run_id,
              std::chrono::milliseconds flush_interval = std::chrono::milliseconds(250));
  // Writes what is pending (errors ignored: finish() is the place to see them), stops the writer.
  ~RunRecorder() override;
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  void on_start(const exec::StepInfo& info, int index, int total) override;
  void on_finish(const exec::StepResult& result, int total) override;

  // Writes what is pending, stops the writer; then the run row's final status and summary
  // (success, error or cancelled). Throws the first store error of the run.
  void finish(const exec::RunOutcome& outcome);
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

}  // namespace pond::runstore
