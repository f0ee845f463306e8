#pragma once
// The programmatic entry point to dbt's tasks, as dbt-core's dbtRunner: one Runner per project
// and caller, invoke(command, options) as often as needed, cancel() from any thread. The CLI is
// one client of it; the orchestrator, the daemon and the UI are others.
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dbt/options.hpp"
#include "dbt/project.hpp"
#include "exec/cancellation.hpp"

namespace pond::dbt {

// The options of one task (which one must fit the command).
using TaskOptions = std::variant<ParseOptions, LsOptions, CompileOptions, DocsGenerateOptions, ExecOptions,
                                 RetryOptions, FreshnessOptions, CleanOptions, RunOperationOptions>;

class Runner {
 public:
  explicit Runner(GlobalOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs a task: "parse", "ls" (or "list"), "compile", "docs generate", "run", "build", "seed",
  // "test", "snapshot", "retry", "source freshness". Returns its exit code (0 ok, 1 a node failed,
  // 130 cancelled); bad configuration throws UserError (exit code 2 for a CLI), as does an
  // unknown command or options of the wrong kind.
  int invoke(std::string_view command, const TaskOptions& options, std::ostream& out);

  // Thread-safe: stops the invocation that is running (its running steps are interrupted, the
  // rest skipped); the next invoke starts afresh.
  void cancel();

  // The project loaded once (manifest, graph, compiler) for callers that read it again and
  // again, such as the UI's lineage or the orchestrator's asset graph; reload() after a change.
  LoadedProject& project();
  void reload();

  // The commands invoke() accepts.
  static const std::vector<std::string>& commands();

 private:
  GlobalOptions options_;
  exec::Cancellation cancellation_;
  std::unique_ptr<LoadedProject> project_;
};

}  // namespace pond::dbt
