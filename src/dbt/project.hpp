#pragma once
// A dbt project loaded once: found with its target, parsed into a Manifest and Graph, with a
// compiler over it; and selection flags evaluated on it. Every dbt task starts here.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compile/compiler.hpp"
#include "dbt/options.hpp"
#include "dbt/target.hpp"
#include "project/graph.hpp"
#include "project/manifest.hpp"
#include "project/select.hpp"

namespace pond::dbt {

// A parsed project (dynamic nodes rendered, naming macros applied). `graph` and `compiler`
// refer to `manifest`, so the struct is not copied or moved.
struct LoadedProject {
  ResolvedProject resolved;
  project::Manifest manifest;
  std::unique_ptr<project::Graph> graph;
  std::unique_ptr<compile::Compiler> compiler;
  std::string invocation_id;
  std::string started_at;
};

// `which` is the command's name (dbt's flags.WHICH); `hooks` (not owned, may be null) answer
// is_incremental()/get_relation/run_query for commands that run against the database.
std::unique_ptr<LoadedProject> load_project(const GlobalOptions& options, const std::string& vars_text,
                                            const std::string& which,
                                            compile::ExecutionHooks* hooks = nullptr,
                                            const RunFlags& flags = {});

// Ends a command's use of a loaded project without freeing it, when the process exits right
// after: freeing a big project's hundreds of thousands of allocations one by one costs a
// twentieth of `pond parse`, and the system reclaims the memory at exit anyway. Builds with
// AddressSanitizer free it, so leak checks keep their meaning.
void leave_for_exit(std::unique_ptr<LoadedProject> project);

// Selected node indexes (ascending unique_id order).
std::vector<std::size_t> select(const LoadedProject& project, const SelectionFlags& flags);

// "Found 3 models, 2 seeds, ..." as dbt prints it.
std::string summary(const project::Manifest& manifest);

}  // namespace pond::dbt
