#include "dbt/runner.hpp"

#include "common/error.hpp"
#include "common/text.hpp"
#include "dbt/tasks.hpp"

namespace pond::dbt {

namespace {

template <typename T>
const T& options_of(std::string_view command, const TaskOptions& options) {
  if (const T* o = std::get_if<T>(&options)) return *o;
  throw UserError("the options given to `" + std::string(command) + "` are for another command",
                  "pass the options struct of the command you invoke");
}

}  // namespace

Runner::Runner(GlobalOptions options) : options_(std::move(options)) {}
Runner::~Runner() = default;

const std::vector<std::string>& Runner::commands() {
  static const std::vector<std::string> names{
      "parse", "ls",   "list",     "compile", "docs generate",    "run",   "build",
      "seed",  "test", "snapshot", "retry",   "source freshness", "clean", "run-operation"};
  return names;
}

int Runner::invoke(std::string_view command, const TaskOptions& options, std::ostream& out) {
  cancellation_.reset();
  TaskContext ctx{options_, cancellation_};
  if (command == "parse") return parse_task(ctx, options_of<ParseOptions>(command, options), out);
  if (command == "ls" || command == "list") return ls_task(ctx, options_of<LsOptions>(command, options), out);
  if (command == "compile") return compile_task(ctx, options_of<CompileOptions>(command, options), out);
  if (command == "docs generate")
    return docs_generate_task(ctx, options_of<DocsGenerateOptions>(command, options), out);
  if (command == "run" || command == "build" || command == "seed" || command == "test" ||
      command == "snapshot")
    return exec_task(ctx, options_of<ExecOptions>(command, options), std::string(command), out);
  if (command == "retry") return retry_task(ctx, options_of<RetryOptions>(command, options), out);
  if (command == "source freshness")
    return freshness_task(ctx, options_of<FreshnessOptions>(command, options), out);
  if (command == "clean") return clean_task(ctx, options_of<CleanOptions>(command, options), out);
  if (command == "run-operation")
    return run_operation_task(ctx, options_of<RunOperationOptions>(command, options), out);
  std::string guess = closest_match(command, commands());
  throw UserError("unknown dbt command '" + std::string(command) + "'",
                  guess.empty()
                      ? "commands: parse, ls, compile, docs generate, run, build, seed, test, snapshot, "
                        "retry, source freshness, clean, run-operation"
                      : "did you mean '" + guess + "'?");
}

void Runner::cancel() {
  cancellation_.request();
}

LoadedProject& Runner::project() {
  if (!project_) project_ = load_project(options_, "", "parse");
  return *project_;
}

void Runner::reload() {
  project_.reset();
}

}  // namespace pond::dbt
