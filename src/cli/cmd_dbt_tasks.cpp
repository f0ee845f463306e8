// The dbt commands whose work is a dbt task (dbt/tasks.hpp): the CLI binds their flags in
// app.cpp and prints to stdout.
#include <iostream>

#include "cli/commands.hpp"
#include "dbt/tasks.hpp"

namespace pond::cli {

int run_parse(CommandContext& ctx, const ParseOptions& options) {
  return dbt::parse_task(ctx, options, std::cout);
}

int run_ls(CommandContext& ctx, const LsOptions& options) {
  return dbt::ls_task(ctx, options, std::cout);
}

int run_compile(CommandContext& ctx, const CompileOptions& options) {
  return dbt::compile_task(ctx, options, std::cout);
}

int run_docs_generate(CommandContext& ctx, const DocsGenerateOptions& options) {
  return dbt::docs_generate_task(ctx, options, std::cout);
}

int run_run(CommandContext& ctx, const ExecOptions& options) {
  return dbt::exec_task(ctx, options, "run", std::cout);
}

int run_build(CommandContext& ctx, const ExecOptions& options) {
  return dbt::exec_task(ctx, options, "build", std::cout);
}

int run_seed(CommandContext& ctx, const ExecOptions& options) {
  return dbt::exec_task(ctx, options, "seed", std::cout);
}

int run_test(CommandContext& ctx, const ExecOptions& options) {
  return dbt::exec_task(ctx, options, "test", std::cout);
}

int run_snapshot(CommandContext& ctx, const ExecOptions& options) {
  return dbt::exec_task(ctx, options, "snapshot", std::cout);
}

int run_retry(CommandContext& ctx, const RetryOptions& options) {
  return dbt::retry_task(ctx, options, std::cout);
}

int run_source_freshness(CommandContext& ctx, const FreshnessOptions& options) {
  return dbt::freshness_task(ctx, options, std::cout);
}

int run_clean(CommandContext& ctx, const CleanOptions& options) {
  return dbt::clean_task(ctx, options, std::cout);
}

int run_run_operation(CommandContext& ctx, const RunOperationOptions& options) {
  return dbt::run_operation_task(ctx, options, std::cout);
}

}  // namespace pond::cli
