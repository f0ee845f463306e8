#pragma once
#include <iosfwd>
#include <map>
#include <mutex>
#include <string>

#include "exec/executor.hpp"

namespace pond::dbt {

struct ProgressOptions {
  bool json = false;       // --log-format json: one JSON object per event through common/log
  bool live = false;       // a terminal: keep a live progress line under the output
  bool timestamps = true;  // "HH:MM:SS  " prefix as dbt prints it
  bool quiet = false;      // -q/--quiet: only failed steps and their errors, as dbt's --quiet
};

// dbt-like progress output: START/OK/ERROR/SKIP/PASS/WARN/FAIL lines while the executor runs
// (an exec::ExecutorListener), then a summary.
class ProgressPrinter : public exec::ExecutorListener {
 public:
  ProgressPrinter(std::ostream& out, ProgressOptions options);

  void on_start(const exec::StepInfo& info, int index, int total) override;
  void on_finish(const exec::StepResult& result, int total) override;
  // dbt 1.9's batch lines: "Batch 1 of 3 START batch 2024-12-08 of main.events", "OK created
  // batch ...", "ERROR creating batch ..."; batch_start/batch_finish events in JSON.
  void on_part(const exec::StepInfo& info, const exec::PartProgress& batch) override;
  // A running step's status goes next to its name in the live line (terminals only).
  void on_status(const exec::StepInfo& info, const std::string& status) override;

  // "Finished running ...", "Completed successfully" or "Completed with N errors...", the
  // failures, and "Done. PASS=.. WARN=.. ERROR=.. SKIP=.. NO-OP=.. TOTAL=..".
  void print_summary(const exec::RunOutcome& outcome);

 private:
  void line(const std::string& text);
  void draw_live();
  std::ostream& out_;
  ProgressOptions options_;
  std::mutex mutex_;
  std::map<int, std::string> running_;         // index -> short name
  std::map<std::string, std::string> status_;  // short name -> live status of a running step
  int finished_ = 0;
  int total_ = 0;
};

// "<msg> ....... [<status>]" padded with dots to dbt's 80 columns.
std::string dotted_line(const std::string& message, const std::string& status);

// The bracketed status and the verb dbt shows for a finished step ("OK 1200 in 0.05s", "OK created").
std::string result_tag(const exec::StepResult& r);

}  // namespace pond::dbt
