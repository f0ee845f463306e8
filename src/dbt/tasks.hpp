#pragma once
// dbt's tasks as functions: what `pond parse/ls/compile/docs generate/run/build/seed/test/
// snapshot/retry/source freshness` do, callable from any part of pond (the CLI is one client;
// the orchestrator, the daemon and the UI are others). Each writes what dbt prints to `out` and
// logs through common/log; each returns dbt's exit code (0 ok, 1 a node failed, 2 bad
// configuration is thrown as UserError, 130 cancelled). runner.hpp offers them behind one
// invoke(command, options) entry point.
#include <iosfwd>
#include <string>

#include "dbt/options.hpp"

namespace pond::dbt {

int parse_task(TaskContext& ctx, const ParseOptions& options, std::ostream& out);
int ls_task(TaskContext& ctx, const LsOptions& options, std::ostream& out);
int compile_task(TaskContext& ctx, const CompileOptions& options, std::ostream& out);
int docs_generate_task(TaskContext& ctx, const DocsGenerateOptions& options, std::ostream& out);
// `which`: run, build, seed, test or snapshot.
int exec_task(TaskContext& ctx, const ExecOptions& options, const std::string& which, std::ostream& out);
int retry_task(TaskContext& ctx, const RetryOptions& options, std::ostream& out);
int freshness_task(TaskContext& ctx, const FreshnessOptions& options, std::ostream& out);
int clean_task(TaskContext& ctx, const CleanOptions& options, std::ostream& out);
int run_operation_task(TaskContext& ctx, const RunOperationOptions& options, std::ostream& out);

}  // namespace pond::dbt
