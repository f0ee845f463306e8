#pragma once
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "exec/executor.hpp"
#include "project/dbt_version.hpp"

namespace pond::dbt {

struct ArtifactOptions {
  std::string invocation_id;  // the run id
  std::string generated_at;   // ISO-8601 UTC; default now
  std::string dbt_version =
      std::string(project::kDbtVersion);  // the dbt release whose artifact schemas pond follows
  std::string args_json = "{}";           // the invocation's arguments (dbt's "args")
  bool run_sql = true;                    // also write target/run/ (false when a RunSqlWriter did)
};

// Writes target/run/<path>.sql for each step as it finishes, on a background thread, so that
// the file writes overlap the run instead of following it (1,000 files cost about a second on
// a busy disk). Destruction (or finish()) waits for the queue.
class RunSqlWriter : public exec::ExecutorListener {
 public:
  explicit RunSqlWriter(std::filesystem::path target_dir);
  ~RunSqlWriter() override;
  RunSqlWriter(const RunSqlWriter&) = delete;
  RunSqlWriter& operator=(const RunSqlWriter&) = delete;
  void on_finish(const exec::StepResult& result, int total) override;
  // Waits until every queued file is written; rethrows the first write error.
  void finish();

 private:
  void loop();
  std::filesystem::path target_dir_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<std::filesystem::path, std::string>> queue_;
  bool stopping_ = false;
  std::string error_;
  std::thread thread_;
};

// dbt's run_results.json (schema v6) for a finished run.
std::string run_results_json(const exec::RunOutcome& outcome, const ArtifactOptions& options);

// Writes <target>/run_results.json and, for each step that ran SQL, <target>/run/<path>.sql with
// the statements actually executed. run_results.json is written to a temporary name and renamed.
void write_artifacts(const std::filesystem::path& target_dir, const exec::RunOutcome& outcome,
                     const ArtifactOptions& options);

// The file under target/run/ for a step: its run_path, else its unique id with dots as folders.
std::filesystem::path run_sql_path(const exec::StepInfo& info);

}  // namespace pond::dbt
