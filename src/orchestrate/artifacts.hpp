#pragma once
#include <filesystem>
#include <string>

#include "orchestrate/executor.hpp"

namespace pond::orchestrate {

struct ArtifactOptions {
  std::string invocation_id;          // the run id
  std::string generated_at;           // ISO-8601 UTC; default now
  std::string dbt_version = "1.9.0";  // the dbt release whose artifact schemas pond follows
  std::string args_json = "{}";       // the invocation's arguments (dbt's "args")
};

// dbt's run_results.json (schema v6) for a finished run.
std::string run_results_json(const RunOutcome& outcome, const ArtifactOptions& options);

// Writes <target>/run_results.json and, for each step that ran SQL, <target>/run/<path>.sql with
// the statements actually executed. run_results.json is written to a temporary name and renamed.
void write_artifacts(const std::filesystem::path& target_dir, const RunOutcome& outcome,
                     const ArtifactOptions& options);

// The file under target/run/ for a step: its run_path, else its unique id with dots as folders.
std::filesystem::path run_sql_path(const StepInfo& info);

}  // namespace pond::orchestrate
