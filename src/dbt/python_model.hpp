#pragma once
// Runs a dbt Python model (dbt-duckdb's `def model(dbt, session)`): the system's python3 (or
// $POND_PYTHON) as a child process with pond's runtime (python_runtime.py, compiled into pond),
// answering its requests on the model's session until it hands back its result.
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/embedded_file.hpp"
#include "dbt/python_protocol.hpp"
#include "materialize/session.hpp"

namespace pond::dbt {

// What a run of one Python model needs.
struct PythonModelRun {
  std::string code;                    // the compiled model (its code and pond's __pond_dbt__ preamble)
  std::string display_path;            // models/x.py, as tracebacks name it
  std::string name;                    // the model's name (work folder and temporary tables)
  std::filesystem::path project_root;  // the child's working folder
  std::filesystem::path work_root;     // under the target folder; a folder per run is made in it
};

// $POND_PYTHON, else python3 from the PATH.
std::string python_executable();

// The runtime pond gives the child (python_runtime.py, embedded at build time).
const std::vector<EmbeddedFile>& python_runtime_files();

// One run of a Python model: its work folder (removed afterwards) and the temporary tables its
// result lives in until the materialization has read it (dropped with this object).
class PythonModel {
 public:
  PythonModel(materialize::Session& session, PythonModelRun run);
  ~PythonModel();
  PythonModel(const PythonModel&) = delete;
  PythonModel& operator=(const PythonModel&) = delete;

  // Runs the model; returns the SQL selecting its result. A Python error, a missing python3 or
  // pandas is a UserError (exit 1) carrying the traceback; a cancel stops the child.
  std::string run(const std::atomic<bool>& cancelled);

 private:
  PythonModelRun run_;
  std::filesystem::path work_;
  std::optional<PythonRequests> requests_;
};

}  // namespace pond::dbt
