#pragma once
#include <string>
#include <vector>

#include "orchestrate/executor.hpp"
#include "orchestrate/run_store.hpp"

namespace pond::orchestrate {

// Records a run in the run store as the executor reports it: a step row when a step starts
// (status running) and when it finishes, step events, a materialization for every relation
// built, a check for every test.
class RunRecorder : public ExecutorListener {
 public:
  RunRecorder(RunStore& store, std::string run_id) : store_(store), run_id_(std::move(run_id)) {}
  void on_start(const StepInfo& info, int index, int total) override;
  void on_finish(const StepResult& result, int total) override;

  // The run row's final status and summary: success, error or cancelled.
  void finish(const RunOutcome& outcome);

 private:
  RunStore& store_;
  std::string run_id_;
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

 private:
  std::vector<ExecutorListener*> listeners_;
};

}  // namespace pond::orchestrate
